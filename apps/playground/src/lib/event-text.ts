/**
 * Registry events as sentences: what happened and the facts the event recorded, never its JSON.
 * Pure; unknown keys are listed as `key: value` so nothing recorded is hidden.
 */

export interface EventInput {
  readonly event: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export const EVENT_LABELS: Readonly<Record<string, string>> = {
  provisioned: 'Provisioned',
  upgraded: 'Upgraded',
  site_installed: 'Installed on a site',
  site_purged: 'Uninstalled from a site',
  deprecated: 'Retained (access revoked)',
  deprovisioned: 'Dropped everywhere',
};

function plural(n: unknown, word: string): string {
  return `${String(n)} ${word}${Number(n) === 1 ? '' : 's'}`;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

function counts(value: unknown): string {
  if (!value || typeof value !== 'object') return '';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return 'nothing';
  return entries.map(([k, v]) => `${k} ${String(v)}`).join(', ');
}

function plain(value: unknown): string {
  if (Array.isArray(value)) return value.map(plain).join(', ');
  if (value && typeof value === 'object') return counts(value);
  return String(value);
}

/** A headline and the recorded facts of one event. */
export function describeEvent(e: EventInput): { headline: string; facts: string[] } {
  const d = e.details ?? {};
  const used = new Set<string>();
  const take = (k: string) => {
    used.add(k);
    return d[k];
  };
  let headline: string;
  const facts: string[] = [];
  switch (e.event) {
    case 'provisioned': {
      const tables = list(take('tables'));
      headline = `version ${String(take('version'))}, ${String(take('strategy'))} strategy, ${String(take('statements'))} statements`;
      if (tables.length > 0) facts.push(`tables: ${tables.join(', ')}`);
      break;
    }
    case 'upgraded': {
      headline = `${String(take('from'))} -> ${String(take('to'))}, ${String(take('statements'))} statements`;
      const changes = take('changes');
      if (Array.isArray(changes)) {
        for (const c of changes.slice(0, 12)) {
          const change = c as { class?: string; description?: string };
          facts.push(`${change.class ?? 'change'}: ${change.description ?? plain(c)}`);
        }
        if (changes.length > 12) facts.push(`and ${changes.length - 12} more changes`);
      }
      break;
    }
    case 'site_installed': {
      headline = `version ${String(take('version'))}`;
      const seeded = counts(take('seeded'));
      if (seeded && seeded !== 'nothing') facts.push(`seeded: ${seeded}`);
      break;
    }
    case 'site_purged': {
      const deleted = take('deleted') as Record<string, number> | undefined;
      const total = Object.values(deleted ?? {}).reduce((n, v) => n + Number(v), 0);
      headline = `${total} ${total === 1 ? 'row' : 'rows'} deleted${take('exported') ? ', exported first' : ''}`;
      if (deleted && Object.keys(deleted).length > 0) facts.push(`per table: ${counts(deleted)}`);
      if (take('wasInstalled') === false) facts.push('it was not installed there');
      break;
    }
    case 'deprecated': {
      headline = `dropped after ${String(take('dropAfter')).replace('T', ' ').slice(0, 19)}`;
      facts.push(`${plural(take('installationsSuspended'), 'site installation')} suspended`);
      const tables = list(take('tables'));
      if (tables.length > 0) facts.push(`tables kept until then: ${tables.join(', ')}`);
      break;
    }
    case 'deprovisioned': {
      const dropped = list(take('tablesDropped'));
      headline = `version ${String(take('version'))}: ${dropped.length} tables dropped${take('wasDeprecated') ? ' after retention' : ''}`;
      if (dropped.length > 0) facts.push(`tables: ${dropped.join(', ')}`);
      const missing = list(take('tablesMissing'));
      if (missing.length > 0) facts.push(`already missing: ${missing.join(', ')}`);
      if (take('schemaDropped')) facts.push(`schema ${String(take('schema'))} dropped`);
      else take('schema');
      facts.push(
        `roles: ${String(take('role'))} ${take('roleDropped') ? 'dropped' : 'kept'}, admin role ${take('adminRoleDropped') ? 'dropped' : 'kept'}`,
      );
      facts.push(
        `${plural(take('installations'), 'site installation')} and ${plural(take('moduleDataRows'), 'module_data row')} removed`,
      );
      take('strategy');
      break;
    }
    default:
      headline = e.event;
  }
  for (const [k, v] of Object.entries(d)) {
    if (!used.has(k)) facts.push(`${k}: ${plain(v)}`);
  }
  return { headline, facts };
}

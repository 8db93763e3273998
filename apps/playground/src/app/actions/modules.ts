'use server';

import {
  deprovisionModuleDatabase,
  dropDueModules,
  provisionModuleDatabase,
  readInstalledDefinition,
  validateModuleDefinition,
} from '@dramac/module-db';
import { type ActionResult, attempt, InputError } from '../../lib/action-result';
import { getDb } from '../../lib/database';
import { byteLength, formatBytes, LIMITS } from '../../lib/limits';
import { catalogModule, catalogModuleById } from '../../lib/module-catalog';
import { installPlanView, type PlanView, upgradePlanView } from '../../lib/plan-view';
import { RETENTION_CHOICES } from '../../lib/retention';

const ACTOR = 'playground';

/** The install plan of a catalog module: summary, diagram and SQL. Nothing runs. */
export async function planInstallAction(key: string): Promise<ActionResult<PlanView>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const definition = await validateModuleDefinition(module.definition);
    return installPlanView(
      definition,
      `Install ${module.title} ${definition.version} (${definition.strategy} strategy)`,
    );
  });
}

/** Provisions a catalog module (one transaction; nothing is left behind on failure). */
export async function applyInstallAction(key: string): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const r = await provisionModuleDatabase(getDb(), module.definition, { actor: ACTOR });
    return `${module.title} ${r.version}: ${r.status} (${r.statementsApplied} statements applied, ${r.strategy} strategy, ${r.schemaName})`;
  });
}

/** The upgrade plan from the installed version to the catalog's newer one. Nothing runs. */
export async function planUpgradeAction(key: string): Promise<ActionResult<PlanView>> {
  return attempt(async () => {
    const module = catalogModule(key);
    if (!module.upgrade) throw new InputError(`${module.title} has no newer version`);
    const installed = await readInstalledDefinition(getDb(), module.definition.moduleId);
    if (!installed) throw new InputError(`${module.title} is not installed`);
    const next = await validateModuleDefinition(module.upgrade);
    return upgradePlanView(
      installed.definition,
      next,
      `Upgrade ${module.title} ${installed.definition.version} -> ${next.version}`,
    );
  });
}

/** Applies the upgrade (additive and declared changes; refused ones stop it before it runs). */
export async function applyUpgradeAction(key: string): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(key);
    if (!module.upgrade) throw new InputError(`${module.title} has no newer version`);
    const r = await provisionModuleDatabase(getDb(), module.upgrade, { actor: ACTOR });
    return `${module.title}: ${r.status} to ${r.version} (${r.statementsApplied} statements applied)`;
  });
}

/**
 * Uninstalls a module everywhere: `drop` removes its tables, roles, installations and rows now;
 * `retain` revokes every access now and leaves the drop to `dropDueModules` once the retention
 * has passed.
 */
export async function deprovisionAction(
  key: string,
  mode: 'drop' | 'retain',
  retainFor: string,
): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(key);
    if (mode !== 'drop' && mode !== 'retain')
      throw new InputError('mode is drop or retain', 'mode');
    if (mode === 'retain' && !(RETENTION_CHOICES as readonly string[]).includes(retainFor)) {
      throw new InputError(`retention is one of ${RETENTION_CHOICES.join(', ')}`, 'retainFor');
    }
    const r = await deprovisionModuleDatabase(getDb(), module.definition.moduleId, {
      mode,
      actor: ACTOR,
      ...(mode === 'retain' && { retainFor }),
    });
    if (r.status === 'deprecated') {
      return `${module.title} retained: access revoked now, ${r.installations} site ${r.installations === 1 ? 'installation' : 'installations'} suspended, dropped after ${r.dropAfter.replace('T', ' ').slice(0, 19)} UTC by "Drop due modules"`;
    }
    return `${module.title} uninstalled everywhere: ${r.tables.length} tables dropped${r.schemaDropped ? `, schema ${r.schema} dropped` : ''}, role ${r.role} dropped, ${r.installations} site ${r.installations === 1 ? 'installation' : 'installations'} removed`;
  });
}

/** Drops every retained module whose retention has passed (what a nightly scheduler runs). */
export async function dropDueAction(): Promise<ActionResult<string>> {
  return attempt(async () => {
    const dropped = await dropDueModules(getDb(), { actor: ACTOR });
    if (dropped.length === 0) return 'No retained module is due yet: nothing dropped.';
    const names = dropped.map((d) => catalogModuleById(d.moduleId)?.title ?? d.shortId);
    return `Dropped ${dropped.length} due ${dropped.length === 1 ? 'module' : 'modules'}: ${names.join(', ')} (${dropped.reduce((n, d) => n + d.tables.length, 0)} tables).`;
  });
}

/** Validates a pasted definition and plans it: a dry run, nothing is applied. */
export async function validateDefinitionAction(json: string): Promise<ActionResult<PlanView>> {
  return attempt(async () => {
    if (typeof json !== 'string') throw new InputError('the definition must be text');
    const size = byteLength(json);
    if (size > LIMITS.definitionBytes) {
      throw new InputError(
        `the definition is ${formatBytes(size)}; the limit is ${formatBytes(LIMITS.definitionBytes)}`,
      );
    }
    let input: unknown;
    try {
      input = JSON.parse(json);
    } catch (error) {
      throw new InputError(`not valid JSON: ${(error as Error).message}`);
    }
    const definition = await validateModuleDefinition(input);
    return installPlanView(
      definition,
      `Valid: ${definition.tables.length} tables, ${definition.strategy} strategy`,
    );
  });
}

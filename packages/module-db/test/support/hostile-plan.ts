/**
 * Building hostile plans from legitimate ones. A hostile plan is a real plan (`planModuleDatabase`,
 * `planModuleUpgrade`) with some statements added, replaced or removed. The plan object is copied
 * with every field it carries, known or not (e.g. a `desired` model of the module's end state):
 * attacks keep working when plans grow fields, and may tamper with those fields too.
 */

/** The shape of a planned statement, loose on purpose: hostile statements need not follow the planner. */
export interface StatementLike {
  readonly kind: string;
  readonly sql: string;
  readonly target?: string;
  readonly description?: string;
  readonly parameters?: readonly unknown[];
}

/** Any plan: what the attacks read from it, plus whatever else it carries. */
export interface PlanLike {
  readonly moduleId: string;
  readonly shortId: string;
  readonly statements: readonly StatementLike[];
  readonly tables: readonly string[];
}

/** One hostile statement, shaped like the planner's. */
export function stmt(kind: string, sql: string, target = 'hostile'): StatementLike {
  return { kind, target, description: 'hostile statement', sql, parameters: [] };
}

/** What to change in a plan. */
export interface PlanTamper {
  /** Rewrites the statement list. */
  readonly statements?: (statements: readonly StatementLike[]) => readonly StatementLike[];
  /**
   * Rewrites the plan's `desired` model when the plan has one (the state verification compares
   * the catalogs with). Ignored for plans without it.
   */
  readonly desired?: (desired: unknown) => unknown;
  /** Top-level fields to set (e.g. `tables`, `newTables`). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A copy of `plan` with the changes of `tamper`; every other field is kept as it is. */
export function tamperPlan<P extends PlanLike>(plan: P, tamper: PlanTamper): P {
  const copy: Record<string, unknown> = JSON.parse(JSON.stringify(plan));
  if (tamper.statements) copy.statements = [...tamper.statements(plan.statements)];
  if (tamper.desired && 'desired' in copy) copy.desired = tamper.desired(copy.desired);
  for (const [key, value] of Object.entries(tamper.fields ?? {})) copy[key] = value;
  return copy as P;
}

/** Whether a plan carries a `desired` model (the state verification compares against). */
export function hasDesired(plan: PlanLike): boolean {
  return Object.hasOwn(plan, 'desired');
}

/** Replaces, in every string of a JSON value (keys left alone), `from` with `to`. */
export function replaceDeep(value: unknown, from: string | RegExp, to: string): unknown {
  if (typeof value === 'string') {
    return typeof from === 'string' ? value.split(from).join(to) : value.replace(from, to);
  }
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        replaceDeep(v, from, to),
      ]),
    );
  }
  return value;
}

/** Replaces, in a JSON value, every string exactly equal to `from` with `to`. */
export function replaceExact(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceExact(v, from, to));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        replaceExact(v, from, to),
      ]),
    );
  }
  return value;
}

/** Statements with `extra` inserted after the last statement matching `after` (or at the end). */
export function insertAfter(
  statements: readonly StatementLike[],
  after: ((s: StatementLike) => boolean) | undefined,
  ...extra: StatementLike[]
): StatementLike[] {
  const out = [...statements];
  let at = out.length;
  if (after) {
    for (let i = out.length - 1; i >= 0; i--) {
      if (after(out[i] as StatementLike)) {
        at = i + 1;
        break;
      }
    }
  }
  out.splice(at, 0, ...extra);
  return out;
}

/** Statements with each one matching `match` replaced by `replace(statement)` (one or more). */
export function replaceWhere(
  statements: readonly StatementLike[],
  match: (s: StatementLike) => boolean,
  replace: (s: StatementLike) => StatementLike | readonly StatementLike[],
): StatementLike[] {
  return statements.flatMap((s) => {
    if (!match(s)) return [s];
    const r = replace(s);
    return Array.isArray(r) ? [...r] : [r as StatementLike];
  });
}

/** Statements without those matching `match`. */
export function without(
  statements: readonly StatementLike[],
  match: (s: StatementLike) => boolean,
): StatementLike[] {
  return statements.filter((s) => !match(s));
}

/** `"a"."b"`, the planner's quoting of a qualified name given as `a.b`. */
export function quoted(qualified: string): string {
  return qualified
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

/** `'text'` as a SQL string literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The platform's site expression for module `short`, as the planner writes it. */
export const siteExpr = (short: string) =>
  `"site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('${short}'))`;

/** A query that runs `volatileExpr` once per row of `from` (or once) and returns no row. */
export const sideEffect = (volatileExpr: string, from = '') =>
  `select x from (select (${volatileExpr})::text as x ${from}) s where x = 'no such value, ever'`;

/** Temporary views that shadow catalogs in the calling session (searched before pg_catalog). */
export const shadow = {
  // Every relation claims forced row-level security.
  pgClass: (hide = "'-'") => [
    `create temp view pg_class as select c.oid, c.relname, c.relnamespace, c.relkind, true as relrowsecurity,
       true as relforcerowsecurity, c.relowner, c.relacl, c.reltuples from pg_catalog.pg_class c where c.relname not like ${hide}`,
    'grant select on pg_temp.pg_class to public',
  ],
  // Every relation claims exactly one permissive policy, the site policy.
  pgPolicy: () => [
    `create temp view pg_policy as select c.oid as polrelid, 'dramac_site_isolation'::name as polname, true as polpermissive,
       '*'::"char" as polcmd from pg_catalog.pg_class c`,
    'grant select on pg_temp.pg_policy to public',
  ],
  // Every trigger claims to call the shared updated_at function.
  pgTrigger: () => [
    `create temp view pg_trigger as select t.oid, t.tgrelid, t.tgname, t.tgisinternal,
       'public.dramac_set_updated_at()'::regprocedure::oid as tgfoid from pg_catalog.pg_trigger t`,
    'grant select on pg_temp.pg_trigger to public',
  ],
  // No module role exists.
  pgRoles: () => [
    `create temp view pg_roles as select * from pg_catalog.pg_roles where rolname not like 'mod%'`,
    'grant select on pg_temp.pg_roles to public',
  ],
  pgNamespace: () => [
    'create temp view pg_namespace as select * from pg_catalog.pg_namespace',
    'grant select on pg_temp.pg_namespace to public',
  ],
};

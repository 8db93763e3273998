import type { Kysely } from 'kysely';
import { compareWithCatalog } from '../drift/check-module-database';
import type { DriftDifference } from '../drift/drift-difference';
import { NotFoundError } from '../errors';
import { inTransaction } from '../lifecycle/in-transaction';
import { toLifecycleError } from '../lifecycle/lifecycle-error';
import { type ModuleRegistryEntry, readRegistry } from '../lifecycle/module-registry-entry';
import { parseModuleId } from '../lifecycle/parse-lifecycle-ids';
import {
  ADMIN_POLICY_NAME,
  OWNER_POLICY_NAME,
  SITE_POLICY_NAME,
  VISITOR_INSERT_POLICY_NAME,
  VISITOR_READ_POLICY_NAME,
} from '../model/desired-module-state';
import { loadSqlParser } from '../sql/sql-parser';
import { LINT_LEVELS, type LintCode, type LintFinding, type LintReport } from './lint-finding';
import { analyzePolicyExpression, type PolicyExpressionFacts } from './policy-expression';
import { type LintCatalog, type LintNamespace, readLintCatalog } from './read-lint-catalog';

/** Roles whose own policies on the shared `module_data` table are platform administration. */
const PLATFORM_POLICY_ROLES: ReadonlySet<string> = new Set([
  'dramac_platform',
  'dramac_widget_visitors',
]);

/**
 * The platform's own permissive policies on a module table: the owner role (DDL and backfills)
 * and the admin role (the server-only admin client) see every site's rows of this module, and
 * nobody else gains anything from them.
 */
function isPlatformPolicy(
  entry: ModuleRegistryEntry,
  policy: { readonly name: string; readonly roles: readonly string[] },
): boolean {
  const role =
    policy.name === OWNER_POLICY_NAME
      ? `modowner_${entry.shortId}`
      : policy.name === ADMIN_POLICY_NAME
        ? `modadmin_${entry.shortId}`
        : policy.name === VISITOR_READ_POLICY_NAME || policy.name === VISITOR_INSERT_POLICY_NAME
          ? `modvisitor_${entry.shortId}`
          : undefined;
  return role !== undefined && policy.roles.length === 1 && policy.roles[0] === role;
}

/** Functions that read the request and so belong in `(select ...)` even from `pg_catalog`. */
const REQUEST_FUNCTIONS: ReadonlySet<string> = new Set(['current_setting']);

const TABLE_KINDS = new Set(['r', 'p']);

function namespaceOf(entry: ModuleRegistryEntry): LintNamespace {
  switch (entry.strategy) {
    case 'schema':
      return { schema: entry.schemaName, prefix: null, sharedTables: [] };
    case 'prefix':
      return { schema: null, prefix: `mod_${entry.shortId}_`, sharedTables: [] };
    case 'shared':
      return { schema: null, prefix: null, sharedTables: ['module_data'] };
  }
}

const COMMANDS: Readonly<Record<string, string>> = {
  '*': 'ALL',
  r: 'SELECT',
  a: 'INSERT',
  w: 'UPDATE',
  d: 'DELETE',
};

/** An identifier quoted for SQL (`schema.name` texts split at the first dot). */
function q(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
function qualified(text: string): string {
  const dot = text.indexOf('.');
  return dot < 0 ? q(text) : `${q(text.slice(0, dot))}.${q(text.slice(dot + 1))}`;
}

/**
 * The rules, applied to one module's catalog. Pure: catalog and drift differences in, findings
 * out. Every remedy is exact, runnable SQL: for objects the module's definition describes, the
 * repair statements of the one comparison (`checkModuleDatabase`), so drift is clean once they ran;
 * for objects that are no part of a module (a view, a function, a hand-made table), the statement
 * that removes them.
 */
function lintCatalog(
  entry: ModuleRegistryEntry,
  catalog: LintCatalog,
  drift: readonly DriftDifference[],
  definitionTables: ReadonlySet<string>,
): LintFinding[] {
  const findings: LintFinding[] = [];
  const used = new Set<DriftDifference>();
  const add = (code: LintCode, object: string, message: string, remedy: string) =>
    findings.push(
      Object.freeze({
        code,
        level: LINT_LEVELS[code],
        object,
        moduleId: entry.moduleId,
        message,
        remedy,
      }),
    );
  /** The repair SQL of the drift differences about `table` (and `object`, when given) of these kinds. */
  const repair = (
    table: string,
    kinds: readonly DriftDifference['kind'][],
    object?: string,
  ): string | undefined => {
    const found = drift.filter(
      (d) =>
        d.table === table &&
        kinds.includes(d.kind) &&
        (object === undefined || d.object === object) &&
        (d.repair?.length ?? 0) > 0,
    );
    if (found.length === 0) return undefined;
    for (const d of found) used.add(d);
    return found.flatMap((d) => d.repair ?? []).join(';\n');
  };
  const declared = new Set(drift.filter((d) => d.kind === 'unexpected_table').map((d) => d.table));
  /** What removes a table the definition does not have; a table it has is repaired, never dropped. */
  const dropTable = (table: string) =>
    definitionTables.has(table)
      ? `select 'nothing to drop: ${table.replaceAll("'", "''")} is part of the module (see dramac-modules repair)'`
      : `drop table ${qualified(table)}`;
  const functions = new Map(catalog.functions.map((f) => [f.signature, f]));
  const policiesOf = (table: string) => catalog.policies.filter((p) => p.table === table);

  for (const rel of catalog.relations) {
    if (TABLE_KINDS.has(rel.kind)) {
      if (!rel.rls) {
        add(
          'rls_disabled',
          rel.name,
          'row-level security is disabled: every role with a grant sees every site',
          repair(rel.name, ['rls_not_enabled', 'rls_not_forced']) ??
            `alter table ${qualified(rel.name)} enable row level security;\nalter table ${qualified(rel.name)} force row level security`,
        );
      } else if (!rel.forced) {
        add(
          'rls_not_forced',
          rel.name,
          'row-level security is enabled but not forced: the table owner bypasses every policy',
          repair(rel.name, ['rls_not_forced']) ??
            `alter table ${qualified(rel.name)} force row level security`,
        );
      }
      if (!rel.hasSiteId) {
        add(
          'site_id_missing',
          rel.name,
          'the table has no site_id column, so no policy can keep its rows to one site',
          repair(rel.name, ['missing_column'], 'site_id') ?? dropTable(rel.name),
        );
      } else if (!rel.siteIndexed) {
        add(
          'site_id_unindexed',
          rel.name,
          'no valid, non-partial index leads with site_id: every request scans the whole table',
          repair(rel.name, [
            'primary_key',
            'missing_constraint',
            'missing_index',
            'invalid_index',
          ]) ??
            (declared.has(rel.name)
              ? dropTable(rel.name)
              : `create index on ${qualified(rel.name)} ("site_id")`),
        );
      }
      if (!rel.hasPrimaryKey) {
        add(
          'no_primary_key',
          rel.name,
          'the table has no primary key',
          repair(rel.name, ['primary_key', 'missing_constraint']) ?? dropTable(rel.name),
        );
      }
      const policies = policiesOf(rel.name);
      const site = policies.find((p) => p.name === SITE_POLICY_NAME);
      const siteOk =
        site?.permissive &&
        site.command === '*' &&
        [site.using, site.withCheck].every((text) => {
          if (text === null) return false;
          const facts = analyzePolicyExpression(text);
          return (
            facts.columns.has('site_id') &&
            facts.calls.has('dramac_current_site_id') &&
            facts.calls.has('dramac_can_access_current_site') &&
            !facts.alwaysTrue
          );
        });
      if (!siteOk) {
        add(
          'site_policy_missing',
          rel.name,
          `the mandatory permissive policy ${SITE_POLICY_NAME} (FOR ALL, USING and WITH CHECK on site_id, dramac_current_site_id() and dramac_can_access_current_site()) is missing or altered`,
          repair(
            rel.name,
            [
              'missing_policy',
              'policy_expression',
              'policy_roles',
              'policy_command',
              'policy_not_permissive',
            ],
            SITE_POLICY_NAME,
          ) ?? dropTable(rel.name),
        );
      }
    } else if (rel.kind === 'v' && !rel.securityInvoker) {
      add(
        'view_without_security_invoker',
        rel.name,
        "the view runs with its owner's rights, so it reads past the row-level security of the tables it selects from",
        repair(rel.name, ['unexpected_table']) ?? `drop view ${qualified(rel.name)}`,
      );
    } else if (rel.kind === 'm') {
      add(
        'materialized_view',
        rel.name,
        'a materialized view stores rows of every site and has no row-level security',
        repair(rel.name, ['unexpected_table']) ?? `drop materialized view ${qualified(rel.name)}`,
      );
    }
  }

  for (const policy of catalog.policies) {
    const object = `${policy.table}.${policy.name}`;
    if (
      policy.roles.length > 0 &&
      policy.roles.every((r) => PLATFORM_POLICY_ROLES.has(r)) &&
      policy.table === 'public.module_data'
    ) {
      continue;
    }
    if (isPlatformPolicy(entry, policy)) continue;
    if (policy.permissive && policy.name !== SITE_POLICY_NAME) {
      add(
        'permissive_policy',
        object,
        `permissive ${COMMANDS[policy.command] ?? policy.command} policy besides the site policy: permissive policies are ORed, so it widens access`,
        repair(
          policy.table,
          ['unexpected_policy', 'policy_not_restrictive', 'policy_not_permissive'],
          policy.name,
        ) ?? `drop policy ${q(policy.name)} on ${qualified(policy.table)}`,
      );
    }
    const facts: [string, PolicyExpressionFacts][] = [];
    for (const [clause, text] of [
      ['USING', policy.using],
      ['WITH CHECK', policy.withCheck],
    ] as const) {
      if (text !== null) facts.push([clause, analyzePolicyExpression(text)]);
    }
    for (const [clause, f] of facts) {
      if (f.alwaysTrue && policy.permissive) {
        add(
          'policy_always_true',
          object,
          `the ${clause} expression is always true: the policy admits every row of every site`,
          repair(policy.table, ['unexpected_policy', 'policy_expression'], policy.name) ??
            `drop policy ${q(policy.name)} on ${qualified(policy.table)}`,
        );
      }
    }
    const perRow = new Set<string>();
    for (const [, f] of facts) {
      for (const name of f.perRowCalls) {
        const called = policy.functions
          .map((sig) => functions.get(sig))
          .find((fn) => fn?.name === name);
        const readsRequest =
          REQUEST_FUNCTIONS.has(name) ||
          (called !== undefined && called.schema !== 'pg_catalog' && called.volatility !== 'i');
        if (readsRequest) perRow.add(name);
      }
    }
    if (perRow.size > 0) {
      const list = [...perRow].sort().join(', ');
      add(
        'policy_function_per_row',
        object,
        `${list} called directly in the policy: PostgreSQL calls it once per row`,
        repair(policy.table, ['unexpected_policy', 'policy_expression'], policy.name) ??
          `drop policy ${q(policy.name)} on ${qualified(policy.table)}`,
      );
    }
  }

  for (const fk of catalog.foreignKeys) {
    if (!fk.covered) {
      add(
        'unindexed_foreign_key',
        `${fk.table}.${fk.name}`,
        `no index leads with the foreign key's columns (${fk.columns.join(', ')}): deleting or updating a referenced row scans this table`,
        repair(fk.table, ['missing_index', 'invalid_index']) ??
          `create index on ${qualified(fk.table)} (${fk.columns.map(q).join(', ')})`,
      );
    }
  }

  for (const g of catalog.grants) {
    add(
      'api_role_grant',
      g.object,
      `${g.kind} ${g.object}: ${g.privilege} granted to ${g.grantee}; API roles must reach module data only through the module role`,
      g.kind === 'relation' || g.kind === 'column'
        ? (repair(
            g.kind === 'column' ? g.object.slice(0, g.object.lastIndexOf('.')) : g.object,
            ['unexpected_grant'],
            g.grantee,
          ) ?? g.remedy)
        : g.remedy,
    );
  }

  for (const fn of catalog.functions) {
    if (!fn.securityDefiner) continue;
    if (!fn.fixedSearchPath) {
      add(
        'security_definer_search_path',
        fn.signature,
        "SECURITY DEFINER function without a fixed search_path: a caller's objects can shadow the names it uses",
        `alter function ${fn.quoted} set search_path = pg_catalog, pg_temp`,
      );
    }
    if (fn.publicExecute) {
      add(
        'security_definer_public_execute',
        fn.signature,
        'SECURITY DEFINER function executable by PUBLIC: every role may run it with its owner’s rights',
        `revoke execute on function ${fn.quoted} from public`,
      );
    }
  }
  // Every other difference from the module's definition, with the SQL that repairs it.
  for (const d of drift) {
    if (used.has(d)) continue;
    const alreadyFound = findings.some(
      (f) => f.object === d.table && (d.kind === 'unexpected_table' || d.kind === 'missing_table'),
    );
    if (alreadyFound) continue;
    add(
      'drift',
      d.table ? `${d.table}${d.object ? `.${d.object}` : ''}` : (d.object ?? entry.shortId),
      `${d.kind}: ${d.message}`,
      d.repair && d.repair.length > 0
        ? d.repair.join(';\n')
        : d.kind === 'unexpected_table' && d.table
          ? dropTable(d.table)
          : 'no module statement repairs this: the platform must (see dramac-modules check)',
    );
  }
  return findings;
}

/**
 * Lints module databases against the live catalog, with checks modelled on Supabase's splinter
 * lints: row-level security enabled and forced on every module table, the mandatory site policy
 * present and intact, no other permissive policy, no always-true policy, policy functions wrapped
 * in `(select ...)` so they run once per statement, `site_id` and every foreign key indexed, no
 * privilege for `anon`, `authenticated` or PUBLIC on module objects, `SECURITY DEFINER`
 * functions with a fixed `search_path` and no PUBLIC execute (the module's own and the platform
 * helpers its policies call), views with `security_invoker`, no materialized views, primary
 * keys. Reads the catalog only, in one transaction; the registry says which objects are a
 * module's. Widgets (`shared`) are linted through `public.module_data`.
 *
 * @example
 * const report = await lintModuleDatabase(db, crm.moduleId);
 * for (const f of report.findings) console.log(`${f.level} ${f.code} ${f.object}: ${f.remedy}`);
 * @throws DefinitionValidationError (`invalid_module_id`) for a module id that is not a UUID;
 * NotFoundError when that module is not provisioned; ProvisioningError (with `sqlstate`) when the
 * catalog cannot be read.
 */
export async function lintModuleDatabase(db: Kysely<any>, moduleId?: string): Promise<LintReport> {
  const id = moduleId === undefined ? undefined : parseModuleId(moduleId);
  await loadSqlParser();
  try {
    return await inTransaction(db, async (trx) => {
      const entries = await readRegistry(trx, id ? { moduleId: id.moduleId } : {});
      if (id && entries.length === 0)
        throw new NotFoundError(`module ${id.moduleId} is not provisioned`);
      const findings: LintFinding[] = [];
      const seen = new Set<string>();
      for (const entry of entries) {
        const catalog = await readLintCatalog(trx, namespaceOf(entry));
        const { differences, desired } = await compareWithCatalog(trx, entry.moduleId);
        const tables = new Set(desired.tables.map((t) => `${t.schema}.${t.name}`));
        for (const f of lintCatalog(entry, catalog, differences, tables)) {
          // Widgets share module_data and modules share the platform's policy helpers: one
          // finding per object, under the first module that reached it.
          const key = `${f.code} ${f.object}`;
          if (seen.has(key)) continue;
          seen.add(key);
          findings.push(f);
        }
      }
      return Object.freeze({
        ok: findings.every((f) => f.level === 'info'),
        modules: Object.freeze(entries.map((e) => e.moduleId)),
        findings: Object.freeze(findings),
      });
    });
  } catch (error) {
    throw toLifecycleError(error, 'linting module databases failed');
  }
}

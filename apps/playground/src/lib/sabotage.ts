import 'server-only';
import {
  getModuleRegistryEntry,
  planModuleDatabase,
  readInstalledDefinition,
} from '@dramac/module-db';
import { type RawBuilder, sql } from 'kysely';
import { InputError } from './action-result';
import { getDb } from './database';
import { catalogModule } from './module-catalog';

/**
 * Changes made behind the registry's back, as a hand-run migration or a console session would,
 * so the Health screen has drift, lint findings and orphans to show. Each has its undo. Fixed
 * statements: the only names in them come from the registry and the module's own plan.
 */
export const BREAKAGES = [
  {
    id: 'no-force-rls',
    title: 'Stop forcing row-level security on the first table',
    shows: 'drift rls_not_forced, lint rls_not_forced',
  },
  {
    id: 'grant-anon',
    title: 'Grant select on the first table to anon',
    shows: 'drift unexpected_grant, lint api_role_grant',
  },
  {
    id: 'drop-index',
    title: 'Drop the first index the module declared',
    shows: 'drift missing_index',
  },
  {
    id: 'orphan-table',
    title: 'Leave a table no registry row owns (public.mod_deadbeef_leftover)',
    shows: 'an orphaned relation',
  },
] as const;
export type BreakageId = (typeof BREAKAGES)[number]['id'];

const ORPHAN = 'public.mod_deadbeef_leftover';

/** The statement that breaks (or, with `undo`, restores) one thing of an installed module. */
async function statementFor(
  moduleKey: string,
  id: BreakageId,
  undo: boolean,
): Promise<RawBuilder<unknown>> {
  if (id === 'orphan-table') {
    return undo
      ? sql`drop table if exists ${sql.table(ORPHAN)}`
      : sql`create table if not exists ${sql.table(ORPHAN)} (id integer)`;
  }
  const module = catalogModule(moduleKey);
  const db = getDb();
  const entry = await getModuleRegistryEntry(db, module.definition.moduleId);
  const table = entry?.qualifiedTables[0];
  if (!entry || !table) throw new InputError(`${module.title} has no installed tables`);
  const t = sql.table(table);
  switch (id) {
    case 'no-force-rls':
      return undo
        ? sql`alter table ${t} force row level security`
        : sql`alter table ${t} no force row level security`;
    case 'grant-anon':
      return undo
        ? sql`revoke select on table ${t} from ${sql.id('anon')}`
        : sql`grant select on table ${t} to ${sql.id('anon')}`;
    case 'drop-index': {
      const installed = await readInstalledDefinition(db, module.definition.moduleId);
      if (!installed) throw new InputError(`${module.title} is not installed`);
      // The first index the module's plan creates (its exact statement is the undo).
      const create = planModuleDatabase(installed.definition).statements.find(
        (s) => s.kind === 'create_index',
      );
      const name = create ? /^create (?:unique )?index "([^"]+)"/.exec(create.sql)?.[1] : undefined;
      if (!create || !name) throw new InputError(`${module.title} has no index of its own to drop`);
      const schema = create.target.slice(0, create.target.indexOf('.'));
      return undo ? sql.raw(create.sql) : sql`drop index ${sql.id(schema, name)}`;
    }
  }
}

/** Runs one breakage or its undo; returns the statement that ran. */
export async function runBreakage(moduleKey: string, id: string, undo: boolean): Promise<string> {
  const known = BREAKAGES.find((b) => b.id === id);
  if (!known) throw new InputError(`unknown change "${String(id).slice(0, 30)}"`);
  const statement = await statementFor(moduleKey, known.id, undo);
  const compiled = statement.compile(getDb());
  await statement.execute(getDb());
  return compiled.sql;
}

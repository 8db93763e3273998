import 'server-only';
/**
 * The playground's local adapter for site visitors and widget items (issue 14), until
 * @dramac/module-sdk has their API (helper D's `visitors` branch). It is the one file to replace
 * with the SDK: the storefront and the member view call nothing else for visitors or widget items.
 *
 * Every call is one transaction that sets the request context the way the transports do: the
 * module's visitor role (`modvisitor_<id>`) with claims `{ role, site_id }` and no `sub` for a
 * visitor; the module's role with `{ role, sub, site_id }` for a member. Both are set with
 * `set_config(..., true)` (transaction-local), so nothing outlives the call on a pooled
 * connection. PostgreSQL decides everything: column privileges, the visitor and site policies,
 * the module's own restrictive policies, the widget item trigger. Identifiers go through
 * `sql.table` / `sql.id`, values as parameters.
 */
import { validateModuleDefinition } from '@dramac/module-db';
import { getModuleVisitorRoleName } from '@dramac/module-naming';
import {
  AccessDeniedError,
  ConstraintViolationError,
  DatabaseError,
  isModuleDbError,
  NotFoundError,
} from '@dramac/module-sdk';
import { type Kysely, sql, type Transaction } from 'kysely';
import { getDb } from './database';
import { catalogModule } from './module-catalog';
import { provisionedDefinition } from './module-sdk-for';
import { readModuleStates } from './module-state';

type AnyRecord = Record<string, unknown>;

/** Who a request acts for: a public site's visitor (no user), or a signed-in member. */
export type RequestActor =
  | { readonly kind: 'visitor'; readonly siteId: string }
  | { readonly kind: 'member'; readonly siteId: string; readonly userId: string };

/** A widget item as the caller may see it: a visitor gets the visitor-readable fields only. */
export interface WidgetItem {
  readonly id: string;
  readonly key: string;
  readonly value: AnyRecord;
  readonly createdAt: string;
}

/** What a table or collection lets visitors do, from the validated definition. */
export interface VisitorColumns {
  readonly read: readonly string[];
  readonly insert: readonly string[];
}

const MAX_ROWS = 100;

/** PostgreSQL's refusal as the SDK's typed errors (stable `code`, SQLSTATE kept). */
function toTyped(error: unknown, what: string): Error {
  if (isModuleDbError(error)) return error;
  const e = error as { code?: string; message?: string; column?: string; constraint?: string };
  const message = `${what}: ${e.message ?? String(error)}`;
  if (e.code === '42501') return new AccessDeniedError(message, e.code, { cause: error });
  if (e.code?.startsWith('23')) {
    return new ConstraintViolationError(message, e.code, e.constraint, {
      cause: error,
      ...(e.column && { column: e.column }),
    });
  }
  return new DatabaseError(message, e.code, { cause: error });
}

/** Runs `fn` in one transaction as `actor` through `moduleKey`'s role (visitor or member). */
async function runAs<T>(
  db: Kysely<any>,
  role: string,
  actor: RequestActor,
  fn: (trx: Transaction<any>) => Promise<T>,
): Promise<T> {
  const claims =
    actor.kind === 'visitor'
      ? { role, site_id: actor.siteId }
      : { role: 'authenticated', sub: actor.userId, site_id: actor.siteId };
  const json = JSON.stringify(claims);
  const sub = actor.kind === 'member' ? actor.userId : '';
  return db.transaction().execute(async (trx) => {
    // As the Postgres transport does: the claims, the legacy per-claim settings Supabase's
    // auth.uid() reads first (empty when absent, so a stale value never wins), then the role.
    await sql`select set_config('request.jwt.claims', ${json}, true),
      set_config('request.jwt.claim', ${json}, true),
      set_config('request.jwt.claim.sub', ${sub}, true),
      set_config('request.jwt.claim.role', ${claims.role}, true),
      set_config('request.jwt.claim.site_id', ${actor.siteId}, true),
      set_config('role', ${role}, true)`.execute(trx);
    return fn(trx);
  });
}

/** The module's registry entry, or a typed error when it is not provisioned. */
async function entryOf(moduleKey: string) {
  const module = catalogModule(moduleKey);
  const state = (await readModuleStates()).find((s) => s.module.key === moduleKey);
  if (!state?.entry) {
    throw new NotFoundError(`${module.title} is not installed: install it on the Modules screen`);
  }
  return state.entry;
}

/**
 * What visitors may read and insert in `name` (a table, or a widget's collection), as the
 * installed definition declares it. Empty lists for a members-only table.
 */
export async function visitorColumns(moduleKey: string, name: string): Promise<VisitorColumns> {
  const validated = await validateModuleDefinition(await provisionedDefinition(moduleKey));
  const found =
    validated.tables.find((t) => t.name === name) ??
    (
      validated as { collections?: readonly { name: string; visitors: unknown }[] }
    ).collections?.find((c) => c.name === name);
  const v = (found?.visitors ?? null) as VisitorColumns | null;
  return { read: v?.read ?? [], insert: v?.insert ?? [] };
}

/** The physical table of a declared table name. */
async function physicalTable(moduleKey: string, table: string): Promise<string> {
  const entry = await entryOf(moduleKey);
  const index = entry.tableNames.indexOf(table);
  if (index < 0) throw new NotFoundError(`no table "${table.slice(0, 63)}" in this module`);
  return entry.qualifiedTables[index] as string;
}

/**
 * A public site's visitor, through one module: reads the declared columns of the current site's
 * rows, inserts the declared columns, lists and adds widget items. No user, no update, no delete.
 *
 * @example
 * const visitor = visitorClient('shop', siteId);
 * await visitor.find('products', { orderBy: 'name' }); // [{ id, sku, name, ... price }]
 * @throws AccessDeniedError (42501) when PostgreSQL refuses a privilege or a WITH CHECK.
 */
export function visitorClient(moduleKey: string, siteId: string) {
  const db = getDb();
  const actor: RequestActor = { kind: 'visitor', siteId };
  const role = async () => getModuleVisitorRoleName((await entryOf(moduleKey)).shortId);
  return {
    /** The declared columns of the site's rows the policies let through (at most 100). */
    async find(table: string, options: { orderBy?: string } = {}): Promise<AnyRecord[]> {
      const [qualified, columns, visitorRole] = await Promise.all([
        physicalTable(moduleKey, table),
        visitorColumns(moduleKey, table),
        role(),
      ]);
      // A members-only table declares no column: ask for its id and let PostgreSQL refuse.
      const list = columns.read.length > 0 ? columns.read : ['id'];
      const order =
        options.orderBy && list.includes(options.orderBy) ? sql.id(options.orderBy) : sql`1`;
      try {
        return await runAs(db, visitorRole, actor, async (trx) => {
          const { rows } = await sql<AnyRecord>`select ${sql.join(list.map((c) => sql.id(c)))}
            from ${sql.table(qualified)} order by ${order} limit ${MAX_ROWS}`.execute(trx);
          return rows;
        });
      } catch (error) {
        throw toTyped(error, `reading ${table} as a visitor`);
      }
    },

    /**
     * Inserts a record into the current site (no RETURNING: a visitor may not read back what it
     * cannot read). Only the record's own keys are named; the rest take their defaults.
     */
    async insert(table: string, record: AnyRecord): Promise<void> {
      const [qualified, visitorRole] = await Promise.all([physicalTable(moduleKey, table), role()]);
      const keys = Object.keys(record);
      try {
        await runAs(db, visitorRole, actor, (trx) =>
          sql`insert into ${sql.table(qualified)} (${sql.join([sql.id('site_id'), ...keys.map((k) => sql.id(k))])})
            values (${sql.join([siteId, ...keys.map((k) => record[k])])})`.execute(trx),
        );
      } catch (error) {
        throw toTyped(error, `inserting into ${table} as a visitor`);
      }
    },

    /** A widget collection's items: their visitor-readable fields only (`public_value`). */
    async items(collection: string): Promise<WidgetItem[]> {
      const visitorRole = await role();
      try {
        return await runAs(db, visitorRole, actor, async (trx) => {
          const { rows } = await sql<{
            id: string;
            key: string;
            value: AnyRecord;
            created_at: Date;
          }>`select id::text, key, public_value as value, created_at from public.module_data
            where collection = ${collection} order by created_at, id limit ${MAX_ROWS}`.execute(
            trx,
          );
          return rows.map((r) => ({ ...r, createdAt: r.created_at.toISOString() }));
        });
      } catch (error) {
        throw toTyped(error, `reading ${collection} as a visitor`);
      }
    },

    /** Adds an item to a widget collection that admits visitors' items (no RETURNING). */
    async insertItem(collection: string, value: AnyRecord): Promise<void> {
      const visitorRole = await role();
      try {
        await runAs(db, visitorRole, actor, (trx) =>
          sql`insert into public.module_data (site_id, collection, value)
            values (${siteId}::uuid, ${collection}, ${JSON.stringify(value)}::jsonb)`.execute(trx),
        );
      } catch (error) {
        throw toTyped(error, `adding to ${collection} as a visitor`);
      }
    },
  };
}

/**
 * A member's widget items through the widget's own role (the SDK refuses widgets until its
 * widget data API lands): the full item values of the current site.
 *
 * @example
 * await memberWidgetClient('widget', siteId, userId).items('testimonials');
 * @throws AccessDeniedError when the user is not a member of the site's agency (writes) ;
 * ConstraintViolationError (23514) when an item does not fit its collection.
 */
export function memberWidgetClient(moduleKey: string, siteId: string, userId: string) {
  const db = getDb();
  const actor: RequestActor = { kind: 'member', siteId, userId };
  const role = async () => (await entryOf(moduleKey)).roleName;
  return {
    async items(collection: string): Promise<WidgetItem[]> {
      const moduleRole = await role();
      try {
        return await runAs(db, moduleRole, actor, async (trx) => {
          const { rows } = await sql<{
            id: string;
            key: string;
            value: AnyRecord;
            created_at: Date;
          }>`select id::text, key, value, created_at from public.module_data
            where collection = ${collection} order by created_at, id limit ${MAX_ROWS}`.execute(
            trx,
          );
          return rows.map((r) => ({ ...r, createdAt: r.created_at.toISOString() }));
        });
      } catch (error) {
        throw toTyped(error, `reading ${collection}`);
      }
    },
    async insertItem(collection: string, value: AnyRecord): Promise<string> {
      const moduleRole = await role();
      try {
        return await runAs(db, moduleRole, actor, async (trx) => {
          const { rows } = await sql<{ id: string }>`
            insert into public.module_data (site_id, collection, value)
            values (${siteId}::uuid, ${collection}, ${JSON.stringify(value)}::jsonb)
            returning id::text`.execute(trx);
          return rows[0]?.id as string;
        });
      } catch (error) {
        throw toTyped(error, `adding to ${collection}`);
      }
    },
  };
}

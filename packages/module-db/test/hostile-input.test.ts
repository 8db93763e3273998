/**
 * A corpus of hostile inputs, thrown at every place input enters: definitions (module ids, table,
 * column, index and policy names, types, defaults, checks, index predicates, policy expressions,
 * foreign-key targets) through `validateModuleDefinition` and `provisionModuleDatabase`; lifecycle
 * ids and seed rows; the data client's and the SDK's table names, columns in `where`, `select` and
 * `orderBy`, operator names, paging and values. Each input must be refused with a typed error
 * before any SQL runs (a query-counting Kysely proves it), or, for values, travel as a harmless
 * bind parameter: stored and read back exactly as given. A catalog snapshot (schemas, relations,
 * functions, roles, policies, grants) taken before and after the corpus must be identical.
 */
import { randomUUID } from 'node:crypto';
import { isModuleNamingError } from '@dramac/module-naming';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseSDK } from '../../module-sdk/src/index';
import { createModuleDataClient } from '../src/client';
import {
  deprovisionModuleDatabase,
  getModuleStats,
  installModuleForSite,
  isModuleDbError,
  lintModuleDatabase,
  migratePlatform,
  type ProvisionResult,
  planModuleDatabase,
  provisionModuleDatabase,
  uninstallModuleFromSite,
  validateModuleDefinition,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { crmModule } from './fixtures/sample-modules';

let tdb: TestDatabase;
/** A superuser connection that counts every query it sends. */
let db: Kysely<any>;
let queries = 0;
/** The text of every query sent, in order. */
const sent: string[] = [];
let crm: ProvisionResult;
const crmDefinition = { ...crmModule, moduleId: randomUUID() };
let site: string;
let otherSite: string;
let user: string;

const LONG = 'a'.repeat(100_000);
const NUL = 'abc\u0000def';
const INJECT = "x'); drop table public.sites; --";

/** A valid module definition, one field of which each hostile case replaces. */
function base(): any {
  return {
    moduleId: randomUUID(),
    moduleType: 'app',
    version: '1.0.0',
    tables: [
      {
        name: 'items',
        columns: [
          { name: 'title', type: 'text' },
          { name: 'qty', type: 'integer', default: '0' },
        ],
      },
    ],
  };
}
const withTable = (patch: Record<string, unknown>) => {
  const d = base();
  Object.assign(d.tables[0], patch);
  return d;
};
const withColumn = (patch: Record<string, unknown>) =>
  withTable({ columns: [{ name: 'title', type: 'text', ...patch }] });

interface Case {
  readonly entry: string;
  readonly input: string;
  readonly run: () => Promise<unknown>;
}

/** Definitions: each is refused by validateModuleDefinition and by provisionModuleDatabase. */
const definitionCases: [string, string, () => unknown][] = [
  ['moduleId', 'SQL in the module id', () => ({ ...base(), moduleId: INJECT })],
  ['moduleId', 'path traversal', () => ({ ...base(), moduleId: '../../../etc/passwd' })],
  [
    'moduleId',
    'uuid with a statement appended',
    () => ({ ...base(), moduleId: `${randomUUID()}; drop role postgres` }),
  ],
  [
    'moduleId',
    'object instead of a string',
    () => ({ ...base(), moduleId: { toString: () => randomUUID() } }),
  ],
  [
    'moduleId',
    'fullwidth-digit lookalike uuid',
    () => ({ ...base(), moduleId: `${'\uff11'.repeat(8)}-1111-4111-8111-111111111111` }),
  ],
  ['moduleId', '100k characters', () => ({ ...base(), moduleId: LONG })],
  ['moduleType', 'unknown module type', () => ({ ...base(), moduleType: 'superuser' })],
  ['strategy', 'unknown strategy', () => ({ ...base(), strategy: "schema'; --" })],
  ['version', 'SQL in the version', () => ({ ...base(), version: "1.0.0'; drop table x; --" })],
  ['definition', 'null', () => null],
  ['definition', 'an array', () => [base()]],
  [
    'definition',
    'prototype pollution',
    () => JSON.parse(`{"__proto__": {"isAdmin": true}, "moduleId": "${randomUUID()}"}`),
  ],
  ['table name', 'statement appended', () => withTable({ name: 'items; drop table public.sites' })],
  ['table name', 'quoted identifier', () => withTable({ name: '"items"' })],
  ['table name', 'upper case', () => withTable({ name: 'Items' })],
  ['table name', 'pg_ prefix', () => withTable({ name: 'pg_items' })],
  [
    'table name',
    'mod_ prefix (another namespace)',
    () => withTable({ name: 'mod_c7a1e0b2_contacts' }),
  ],
  ['table name', 'reserved word', () => withTable({ name: 'select' })],
  ['table name', 'unicode', () => withTable({ name: 'itéms' })],
  ['table name', 'NUL byte', () => withTable({ name: 'items\u0000x' })],
  ['table name', 'over 63 bytes after the prefix', () => withTable({ name: 'a'.repeat(60) })],
  ['table name', '100k characters', () => withTable({ name: LONG })],
  ['table name', 'comment', () => withTable({ name: 'items--' })],
  ['table name', 'schema-qualified', () => withTable({ name: 'public.sites' })],
  [
    'column name',
    'statement in the name',
    () => withColumn({ name: 'title text); drop table public.sites; --' }),
  ],
  ['column name', 'system column ctid', () => withColumn({ name: 'ctid' })],
  ['column name', 'system column xmin', () => withColumn({ name: 'xmin' })],
  ['column name', 'id that is not the primary key', () => withColumn({ name: 'id' })],
  ['column name', 'site_id of the wrong type', () => withColumn({ name: 'site_id', type: 'text' })],
  ['column name', 'number instead of a string', () => withColumn({ name: 42 })],
  [
    'column type',
    'statement in the type',
    () => withColumn({ type: 'text; drop table public.sites' }),
  ],
  ['column type', 'type outside the allow-list (regclass)', () => withColumn({ type: 'regclass' })],
  ['column type', 'two-dimensional array', () => withColumn({ type: 'text[][]' })],
  ['column type', 'huge varchar modifier', () => withColumn({ type: 'varchar(99999999999)' })],
  ['column type', 'serial (creates a sequence)', () => withColumn({ type: 'serial' })],
  ['column type', 'collation clause', () => withColumn({ type: 'text collate "C"' })],
  ['column type', 'object instead of a string', () => withColumn({ type: { base: 'text' } })],
  ['default', 'closing paren and a statement', () => withColumn({ default: INJECT })],
  ['default', 'pg_sleep', () => withColumn({ default: 'pg_sleep(10)::text' })],
  [
    'default',
    'sub-select',
    () => withColumn({ default: '(select name from public.sites limit 1)' }),
  ],
  [
    'default',
    'current_setting',
    () => withColumn({ default: "current_setting('request.jwt.claims')" }),
  ],
  ['default', 'dollar quoting', () => withColumn({ default: '$$x$$; drop table public.sites' })],
  ['default', 'NUL byte', () => withColumn({ default: "'a\u0000b'" })],
  ['default', 'two statements', () => withColumn({ default: "'a'; select 1" })],
  [
    'check',
    'sub-select into the platform',
    () => withColumn({ check: 'exists (select 1 from public.agency_members)' }),
  ],
  ['check', 'pg_terminate_backend', () => withColumn({ check: 'pg_terminate_backend(1)' })],
  [
    'check',
    'reference to another column that does not exist',
    () => withColumn({ check: 'password_hash is null' }),
  ],
  [
    'index name',
    'statement in the name',
    () => withTable({ indexes: [{ name: 'i; drop table x', columns: ['title'] }] }),
  ],
  [
    'index columns',
    'unknown column',
    () => withTable({ indexes: [{ columns: ['title); drop table x; --'] }] }),
  ],
  [
    'index predicate',
    'sub-select',
    () => withTable({ indexes: [{ columns: ['title'], where: '(select true)' }] }),
  ],
  [
    'index predicate',
    'pg_read_file',
    () =>
      withTable({
        indexes: [{ columns: ['title'], where: "pg_read_file('/etc/passwd') is not null" }],
      }),
  ],
  [
    'index method',
    'unknown method',
    () => withTable({ indexes: [{ columns: ['title'], using: 'btree; drop' }] }),
  ],
  [
    'policy name',
    'quote in the name',
    () =>
      withTable({
        rlsPolicies: [{ name: 'p"; drop table x; --', action: 'SELECT', using: 'true' }],
      }),
  ],
  [
    'policy using',
    'breaking out of USING',
    () =>
      withTable({
        rlsPolicies: [{ name: 'p', action: 'SELECT', using: 'true) with check (true' }],
      }),
  ],
  [
    'policy using',
    "another module's table",
    () =>
      withTable({
        rlsPolicies: [
          { name: 'p', action: 'SELECT', using: 'exists (select 1 from mod_c7a1e0b2.contacts)' },
        ],
      }),
  ],
  [
    'policy using',
    'current_user comparison',
    () =>
      withTable({
        rlsPolicies: [{ name: 'p', action: 'SELECT', using: "current_user = 'postgres'" }],
      }),
  ],
  [
    'policy roles',
    'roles (module policies always apply to the module role)',
    () =>
      withTable({ rlsPolicies: [{ name: 'p', action: 'SELECT', using: 'true', roles: ['anon'] }] }),
  ],
  [
    'policy action',
    'unknown action',
    () => withTable({ rlsPolicies: [{ name: 'p', action: 'TRUNCATE', using: 'true' }] }),
  ],
  ['enableRLS', 'RLS switched off', () => withTable({ enableRLS: false })],
  [
    'foreign key',
    'pg_catalog.pg_authid',
    () =>
      withTable({
        columns: [
          { name: 'title', type: 'text' },
          { name: 'r', type: 'uuid' },
        ],
        foreignKeys: [
          { column: 'r', references: { schema: 'pg_catalog', table: 'pg_authid', column: 'oid' } },
        ],
      }),
  ],
  [
    'foreign key',
    "another module's table",
    () =>
      withTable({
        columns: [
          { name: 'title', type: 'text' },
          { name: 'r', type: 'uuid' },
        ],
        foreignKeys: [
          { column: 'r', references: { schema: 'mod_c7a1e0b2', table: 'contacts', column: 'id' } },
        ],
      }),
  ],
  [
    'foreign key',
    'platform table outside the allow-list',
    () =>
      withTable({
        columns: [
          { name: 'title', type: 'text' },
          { name: 'r', type: 'uuid' },
        ],
        foreignKeys: [
          {
            column: 'r',
            references: { schema: 'public', table: 'agency_members', column: 'user_id' },
          },
        ],
      }),
  ],
  [
    'foreign key',
    'statement in the target',
    () =>
      withTable({
        columns: [
          { name: 'title', type: 'text' },
          { name: 'r', type: 'uuid' },
        ],
        foreignKeys: [{ column: 'r', references: { table: 'items; drop table x', column: 'id' } }],
      }),
  ],
  [
    'foreign key',
    'on delete action injection',
    () =>
      withTable({
        columns: [
          { name: 'title', type: 'text' },
          { name: 'r', type: 'uuid' },
        ],
        foreignKeys: [
          {
            column: 'r',
            references: { table: 'items', column: 'id' },
            onDelete: 'CASCADE; drop table x',
          },
        ],
      }),
  ],
];

const stats = {
  refusedBeforeSql: 0,
  /** Refused inside a transaction that ran nothing but its own bookkeeping. */
  refusedInEmptyTransaction: 0,
  harmless: 0,
  byEntry: new Map<string, number>(),
};
const emptyTransactionCases: string[] = [];
/** Transaction bookkeeping: BEGIN, the request context, ROLLBACK. */
const BOOKKEEPING = /^\s*(begin|rollback|select set_config\('request\.jwt\.claims')/i;
const failures: string[] = [];

function typed(error: unknown): boolean {
  return isModuleDbError(error) || isModuleNamingError(error);
}

/** Refused with a typed error, and not one query sent. */
async function refused(c: Case): Promise<void> {
  stats.byEntry.set(c.entry, (stats.byEntry.get(c.entry) ?? 0) + 1);
  const before = queries;
  const firstSent = sent.length;
  let error: unknown;
  try {
    await c.run();
  } catch (e) {
    error = e;
  }
  const count = queries - before;
  const texts = sentQueries(firstSent);
  if (error === undefined) failures.push(`${c.entry} / ${c.input}: accepted`);
  else if (!typed(error))
    failures.push(
      `${c.entry} / ${c.input}: untyped ${(error as Error)?.name}: ${(error as Error)?.message?.slice(0, 200)}`,
    );
  else if (count > 0 && texts.every((q) => BOOKKEEPING.test(q))) {
    stats.refusedInEmptyTransaction++;
    emptyTransactionCases.push(`${c.entry} / ${c.input}`);
  } else if (count > 0)
    failures.push(
      `${c.entry} / ${c.input}: refused (${(error as { code?: string }).code}) only after ${count} queries: ${texts.map((q) => q.slice(0, 60)).join(' | ')}`,
    );
  else stats.refusedBeforeSql++;
}

function sentQueries(from: number): string[] {
  return sent.slice(from);
}

function countingKysely(url: string): Kysely<any> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  return new Kysely<any>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      queries++;
      sent.push(event.query.sql);
    },
  });
}

/** Schemas, relations, functions, policies and grants of this database, and privileged roles. */
async function catalogSnapshot(): Promise<string[]> {
  const mine = crm.shortId;
  const { rows } = await sql<{ line: string }>`
    select 'schema ' || nspname || ' ' || pg_get_userbyid(nspowner) || ' ' || coalesce(nspacl::text, '') as line
      from pg_namespace
    union all
    select 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relrowsecurity || c.relforcerowsecurity
      || ' ' || coalesce(c.relacl::text, '') || ' cols:' || (select string_agg(attname || ':' || atttypid::regtype::text || ':' || coalesce(attacl::text, ''), ',' order by attnum) from pg_attribute where attrelid = c.oid and attnum > 0)
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
    union all
    select 'function ' || p.oid::regprocedure::text || ' ' || p.prosecdef || ' ' || coalesce(p.proacl::text, '') || ' ' || coalesce(p.proconfig::text, '')
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname not in ('pg_catalog', 'information_schema')
    union all
    select 'policy ' || polrelid::regclass::text || '.' || polname || ' ' || polpermissive || ' ' || polcmd::text
      || ' ' || coalesce(pg_get_expr(polqual, polrelid), '') || ' ' || coalesce(pg_get_expr(polwithcheck, polrelid), '')
      from pg_policy
    union all
    select 'role ' || rolname || ' ' || rolsuper || rolcreaterole || rolcreatedb || rolbypassrls || rolcanlogin
      from pg_roles
      where (rolsuper or rolcreaterole or rolcreatedb or rolbypassrls or rolname in ('anon', 'authenticated', 'service_role', 'authenticator'))
        and (rolname !~ '^mod(role|admin)_[0-9a-f]{8}$' or rolname like ${`%${mine}`})
    union all
    select 'member ' || pg_get_userbyid(m.member) || ' in ' || pg_get_userbyid(m.roleid)
      from pg_auth_members m
      where pg_get_userbyid(m.member) in ('anon', 'authenticated', 'service_role', 'authenticator')
         or pg_get_userbyid(m.roleid) in ('postgres', 'dramac_provisioner', 'dramac_admin_api', 'pg_read_server_files', 'pg_execute_server_program', 'pg_write_server_files')
    union all
    select 'registry ' || module_short_id || ' ' || checksum from public.module_database_registry
    order by 1`.execute(db);
  return rows.map((r) => r.line);
}

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = countingKysely(tdb.url);
  await migratePlatform(db);
  crm = await provisionModuleDatabase(db, crmDefinition);
  const agency = await tdb.factory.agency();
  site = await tdb.factory.site(agency);
  otherSite = await tdb.factory.site(await tdb.factory.agency());
  user = await tdb.factory.user();
  await tdb.factory.member(agency, user);
  await installModuleForSite(db, crm.moduleId, site);
});
afterAll(async () => {
  await db?.destroy();
  await tdb?.destroy();
});

describe('hostile input', () => {
  it('is refused with a typed error before any SQL, or passes as a harmless parameter; the catalog does not change', async () => {
    const before = await catalogSnapshot();
    const transport = createPostgresTransport(db);
    const client = createModuleDataClient({
      definition: crmDefinition,
      siteId: site,
      userId: user,
      transport,
    });
    const sdk = createDatabaseSDK({
      definition: crmDefinition,
      siteId: site,
      userId: user,
      transport,
    }) as any;
    const c = client as any;
    // A site visitor of the same module whose companies table is open to visitors (read id and
    // name, insert name): what it does not declare is refused before any SQL. (Non-public sites
    // and modules not installed are the database's to refuse: test/visitor-sdk.test.ts.)
    const visitorDefinition = {
      ...crmDefinition,
      tables: crmDefinition.tables.map((t: any) =>
        t.name === 'companies' ? { ...t, visitors: { read: ['id', 'name'], insert: ['name'] } } : t,
      ),
    };
    const v = createModuleDataClient({
      definition: visitorDefinition as any,
      siteId: site,
      visitor: true,
      transport,
    }) as any;
    const vsdk = createDatabaseSDK({
      definition: visitorDefinition as any,
      siteId: site,
      visitor: true,
      transport,
    }) as any;

    // 1. Definitions: validateModuleDefinition and provisionModuleDatabase.
    for (const [entry, input, make] of definitionCases) {
      await refused({
        entry: `definition ${entry}`,
        input,
        run: () => validateModuleDefinition(make()),
      });
      await refused({
        entry: `provision ${entry}`,
        input,
        run: () => provisionModuleDatabase(db, make()),
      });
    }

    // 2. Lifecycle ids, options and seed rows.
    const lifecycle: Case[] = [
      {
        entry: 'install moduleId',
        input: 'SQL',
        run: () => installModuleForSite(db, INJECT, site),
      },
      {
        entry: 'install siteId',
        input: 'SQL',
        run: () => installModuleForSite(db, crm.moduleId, `${site}' or '1'='1`),
      },
      {
        entry: 'install siteId',
        input: 'object',
        run: () => installModuleForSite(db, crm.moduleId, { toString: () => site } as any),
      },
      {
        entry: 'uninstall moduleId',
        input: 'NUL',
        run: () => uninstallModuleFromSite(db, `${crm.moduleId}\u0000`, site),
      },
      {
        entry: 'uninstall siteId',
        input: '100k',
        run: () => uninstallModuleFromSite(db, crm.moduleId, LONG),
      },
      {
        entry: 'deprovision moduleId',
        input: 'SQL',
        run: () =>
          deprovisionModuleDatabase(db, `${crm.moduleId}'; drop schema public cascade; --`),
      },
      {
        entry: 'deprovision mode',
        input: 'unknown mode',
        run: () => deprovisionModuleDatabase(db, crm.moduleId, { mode: "drop'; --" } as any),
      },
      {
        entry: 'stats moduleId',
        input: 'array',
        run: () => getModuleStats(db, [crm.moduleId] as any),
      },
      { entry: 'lint moduleId', input: 'SQL', run: () => lintModuleDatabase(db, INJECT) },
    ];
    for (const l of lifecycle) await refused(l);

    // 3. Data client and SDK: table names, columns, operators, paging and shapes.
    const refusedCalls: [string, string, () => Promise<unknown>][] = [
      ['client table', 'statement', () => c.select('companies; drop table public.sites')],
      ['client table', 'schema-qualified', () => c.select(`${crm.schemaName}.companies`)],
      ['client table', "another module's physical name", () => c.select('mod_c7a1e0b2_contacts')],
      ['client table', '__proto__', () => c.select('__proto__')],
      ['client table', 'constructor', () => c.count('constructor')],
      ['client table', 'toString', () => c.insert('toString', { name: 'x' })],
      ['client table', 'object', () => c.select({ toString: () => 'companies' })],
      ['client table', 'upper case', () => c.select('COMPANIES')],
      ['client table', '100k', () => c.select(LONG)],
      ['client table', 'NUL', () => c.select('companies\u0000')],
      [
        'where column',
        'statement',
        () => c.select('companies', { where: { 'name; drop table x': 'a' } }),
      ],
      [
        'where column',
        '__proto__ (JSON)',
        () => c.select('companies', { where: JSON.parse('{"__proto__": "a"}') }),
      ],
      ['where column', 'constructor', () => c.select('companies', { where: { constructor: 'a' } })],
      ['where column', 'quoted', () => c.count('companies', { '"name"': 'a' })],
      ['where column', 'system column ctid', () => c.count('companies', { ctid: '(0,1)' })],
      [
        'where column',
        'another site',
        () => c.select('companies', { where: { site_id: otherSite } }),
      ],
      [
        'where operator',
        'unknown (between)',
        () => c.select('companies', { where: { employee_count: { between: [1, 2] } } }),
      ],
      [
        'where operator',
        'statement',
        () => c.select('companies', { where: { name: { 'eq; drop table x': 'a' } } }),
      ],
      ['where operator', 'raw', () => c.select('companies', { where: { name: { raw: '1=1' } } })],
      [
        'where operator',
        '__proto__ (JSON)',
        () => c.select('companies', { where: { name: JSON.parse('{"__proto__": {"eq": "a"}}') } }),
      ],
      [
        'where operator',
        'toString',
        () => c.select('companies', { where: { name: { toString: 'a' } } }),
      ],
      [
        'where value',
        'object for a scalar',
        () => c.select('companies', { where: { name: { eq: { a: 1 } } } }),
      ],
      [
        'where value',
        'array for eq',
        () => c.select('companies', { where: { name: { eq: ['a'] } } }),
      ],
      [
        'where value',
        'SQL for an integer',
        () => c.select('companies', { where: { employee_count: '1 or 1=1' } }),
      ],
      [
        'where value',
        'SQL for gt',
        () => c.select('companies', { where: { employee_count: { gt: '0; drop table x' } } }),
      ],
      ['where value', 'non-uuid id', () => c.select('companies', { where: { id: "' or 1=1 --" } })],
      [
        'where value',
        'object for like',
        () => c.select('companies', { where: { name: { like: {} } } }),
      ],
      ['where value', 'empty in', () => c.select('companies', { where: { name: { in: [] } } })],
      [
        'where value',
        'object in in',
        () => c.select('companies', { where: { name: { in: [{}] } } }),
      ],
      [
        'where value',
        'string for is',
        () => c.select('companies', { where: { name: { is: 'null; drop table x' } } }),
      ],
      ['where value', 'NUL in a string', () => c.select('companies', { where: { name: NUL } })],
      [
        'where value',
        'Infinity',
        () => c.select('companies', { where: { employee_count: Number.POSITIVE_INFINITY } }),
      ],
      ['where value', 'function', () => c.select('companies', { where: { name: () => 'a' } })],
      ['where', 'a string', () => c.select('companies', { where: '1=1' })],
      ['select', 'star', () => c.select('companies', { select: ['name', '*'] })],
      ['select', 'expression', () => c.select('companies', { select: ['count(*)'] })],
      ['select', 'alias', () => c.select('companies', { select: ['name as x'] })],
      ['select', 'a string', () => c.select('companies', { select: 'name' })],
      [
        'orderBy',
        'statement',
        () => c.select('companies', { orderBy: { column: 'name; drop table x' } }),
      ],
      ['orderBy', 'sub-select', () => c.select('companies', { orderBy: { column: '(select 1)' } })],
      [
        'orderBy',
        'direction injection',
        () => c.select('companies', { orderBy: { column: 'name', ascending: 'desc; drop' } }),
      ],
      ['orderBy', 'a string', () => c.select('companies', { orderBy: 'name desc' })],
      ['limit', 'SQL', () => c.select('companies', { limit: '10; drop table x' })],
      ['limit', 'negative', () => c.select('companies', { limit: -1 })],
      ['limit', 'huge', () => c.select('companies', { limit: 1e12 })],
      ['offset', 'NaN', () => c.select('companies', { offset: Number.NaN })],
      [
        'insert value',
        'object for text',
        () => c.insert('companies', { name: { toString: () => 'x' } }),
      ],
      ['insert value', 'array for text', () => c.insert('companies', { name: ['a'] })],
      [
        'insert value',
        'string for integer',
        () => c.insert('companies', { name: 'x', employee_count: '5' }),
      ],
      ['insert value', 'NUL', () => c.insert('companies', { name: NUL })],
      ['insert column', 'unknown', () => c.insert('companies', { name: 'x', is_admin: true })],
      [
        'insert column',
        'statement',
        () => c.insert('companies', { name: 'x', 'name) values (1); --': 'y' }),
      ],
      [
        'insert column',
        'another site',
        () => c.insert('companies', { name: 'x', site_id: otherSite }),
      ],
      ['insert', 'not an object', () => c.insert('companies', 'name=x')],
      ['update', 'empty where', () => c.update('companies', { name: 'x' }, {})],
      [
        'update',
        'moving to another site',
        () => c.update('companies', { site_id: otherSite }, { name: 'x' }),
      ],
      ['delete', 'where undefined values only', () => c.delete('companies', { name: undefined })],
      ['sdk table', 'statement', () => sdk.find('companies; drop table x')],
      ['sdk findById', 'SQL id', () => sdk.findById('companies', "' or 1=1 --")],
      [
        'sdk batch',
        'unknown operation type',
        () => sdk.batch([{ type: 'drop', table: 'companies' }]),
      ],
      [
        'sdk batch',
        'hostile table',
        () => sdk.batch([{ type: 'create', table: '__proto__', data: {} }]),
      ],
      ['sdk batch', 'not an array', () => sdk.batch({ type: 'create' })],
      [
        'sdk options',
        'moduleId of another module',
        async () =>
          createDatabaseSDK({
            definition: crmDefinition,
            moduleId: randomUUID(),
            siteId: site,
            transport,
          } as any),
      ],
      [
        'sdk options',
        'SQL site id',
        async () =>
          createDatabaseSDK({ definition: crmDefinition, siteId: `${site}'--`, transport } as any),
      ],
      [
        'client options',
        'SQL user id',
        async () =>
          createModuleDataClient({
            definition: crmDefinition,
            siteId: site,
            userId: "x' or 1=1",
            transport,
          }),
      ],
      [
        'visitor',
        'another site in where',
        () => v.select('companies', { where: { site_id: otherSite } }),
      ],
      [
        'visitor',
        'another site in an or',
        () => v.select('companies', { where: { or: [{ name: 'x' }, { site_id: otherSite }] } }),
      ],
      [
        'visitor',
        'another site on insert',
        () => v.insert('companies', { name: 'x', site_id: otherSite }),
      ],
      ['visitor', 'an unlisted column', () => v.select('companies', { select: ['domain'] })],
      ['visitor', 'a filter on an unlisted column', () => v.count('companies', { industry: 'x' })],
      [
        'visitor',
        'a sort on an unlisted column',
        () => vsdk.find('companies', { orderBy: { column: 'domain' } }),
      ],
      [
        'visitor',
        'an unlisted column on insert',
        () => vsdk.create('companies', { name: 'x', domain: 'y' }),
      ],
      ['visitor', 'update', () => v.update('companies', { name: 'x' }, { name: 'y' })],
      ['visitor', 'delete', () => v.delete('companies', { name: 'y' })],
      ['visitor', 'transaction', () => v.transaction(async () => 1)],
      ['visitor', 'a members-only table', () => vsdk.find('contacts')],
      [
        'visitor',
        'insert into a members-only table',
        () => vsdk.create('contacts', { first_name: 'a', last_name: 'b' }),
      ],
      [
        'visitor',
        'statement as a column',
        () => v.select('companies', { select: ['name; drop table x'] }),
      ],
      ['visitor', 'statement as a table', () => vsdk.find('companies; drop table x')],
      ['visitor', 'a collection of a table module', async () => v.collection('companies')],
      [
        'visitor options',
        'a user with visitor: true',
        async () =>
          createModuleDataClient({
            definition: crmDefinition,
            siteId: site,
            userId: user,
            visitor: true,
            transport,
          }),
      ],
    ];
    for (const [entry, input, run] of refusedCalls) await refused({ entry, input, run });

    // 4. Values: stored and read back exactly as given (bind parameters, never SQL text).
    const values = [
      INJECT,
      'O\'Brien "quoted" `back`',
      'semi; colon; drop table public.sites;',
      '-- comment /* block */ */',
      '$$ dollar $$ $tag$ x $tag$',
      "back\\slash \\x41 E'\\047'",
      'unicode: żółć 漢字 🙂 \u202eRTL\u202c \u200b zero-width',
      '\ud83d\ude00 surrogate pair and \t tab \n newline \r return',
      "'; select pg_sleep(10); --",
      LONG,
    ];
    for (const value of values) {
      stats.byEntry.set('value', (stats.byEntry.get('value') ?? 0) + 1);
      const [row] = await client.insert('companies', { name: value, industry: value });
      const stored = await sql<{ name: string; industry: string }>`
        select name, industry from ${sql.id(crm.schemaName, 'companies')} where id = ${row?.id as string}::uuid`.execute(
        db,
      );
      const found = await sdk.find('companies', { where: { name: value }, select: ['id', 'name'] });
      const counted = await client.count('companies', {
        name: { in: [value, 'other'] },
        industry: { like: value.replace(/[%_\\]/g, '\\$&') },
      });
      if (
        stored.rows[0]?.name !== value ||
        stored.rows[0]?.industry !== value ||
        row?.name !== value ||
        found.length !== 1 ||
        found[0]?.name !== value ||
        counted !== 1
      ) {
        failures.push(
          `value ${JSON.stringify(value.slice(0, 40))}: not stored or read back exactly`,
        );
      } else stats.harmless++;
      await client.delete('companies', { id: row?.id as string });
    }

    // 5. Comments inside an expression are not refused: the expression is rebuilt from its parse
    // tree, so they never reach the SQL (checked on the plan; nothing is applied).
    for (const check of ["title <> '' -- and false", "title <> '' /* ; drop table x */"]) {
      stats.byEntry.set('check comment', (stats.byEntry.get('check comment') ?? 0) + 1);
      const before = queries;
      const plan = planModuleDatabase(await validateModuleDefinition(withColumn({ check })));
      const sqlText = plan.statements.map((st) => st.sql).join('\n');
      if (
        queries === before &&
        sqlText.includes(`check (("title" <> ''))`) &&
        !/--|\/\*|drop/.test(sqlText)
      )
        stats.harmless++;
      else failures.push(`check ${JSON.stringify(check)}: comment reached the plan`);
    }

    const after = await catalogSnapshot();
    const total =
      stats.refusedBeforeSql + stats.refusedInEmptyTransaction + stats.harmless + failures.length;
    const same = after.length === before.length && after.every((l, i) => l === before[i]);
    console.log(
      `[hostile] ${total} inputs: ${stats.refusedBeforeSql} refused with a typed error before any SQL, ${stats.refusedInEmptyTransaction} refused inside a transaction that ran only BEGIN/context/ROLLBACK, ${stats.harmless} passed harmlessly (values stored and read back exactly, comments dropped by the parser), ${failures.length} failures; catalog snapshot (${before.length} lines) ${same ? 'identical' : 'CHANGED'} after the corpus`,
    );
    for (const e of emptyTransactionCases) console.log(`[hostile] empty transaction: ${e}`);
    if (!same) {
      for (const l of after.filter((x) => !before.includes(x))) console.log(`[hostile] + ${l}`);
      for (const l of before.filter((x) => !after.includes(x))) console.log(`[hostile] - ${l}`);
    }
    console.log(
      `[hostile] by entry point: ${[...stats.byEntry].map(([e, n]) => `${e} ${n}`).join(', ')}`,
    );
    for (const f of failures) console.log(`[hostile] FAIL ${f}`);
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(60);
    expect(after).toEqual(before);
  });
});

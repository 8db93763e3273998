/**
 * Cross-tenant weaknesses reachable without any privileged role (issue 13, items 9, 10 and the
 * installed-module oracle of item 13), from the module author's side: a module whose definition
 * declares foreign keys to platform tables and a text primary key, used through the data client
 * and the SDK by a member of agency B on site B.
 *
 * - Item 9: a site B row whose `site_ref` names a site of agency A (or `user_ref` a user of
 *   agency A, `agency_ref`/`client_ref`/`profile_ref` their rows) must not keep the platform from
 *   deleting that site, user, agency, client or profile, and must not tell site B whether the id
 *   exists (the outcome for an existing id and for an unknown one is the same).
 * - Item 10: a declared primary key (a text `slug`) is unique per site: site B can use a slug site
 *   A already has, and does not learn that A has it.
 * - Item 13: `dramac_can_access_current_site(<short id>)`, which every module role may call,
 *   answers the same for another module installed on the site and one that is not.
 *
 * Status on today's code (commit b7dc8cb): the tests named "does not block deleting ..." fail
 * (the delete fails with 23503 because the site B row pins the other tenant's row); the "no
 * existence oracle" tests fail (an existing id is accepted, an unknown one refused with 23503);
 * the text-primary-key tests fail (site B's insert or update is refused with 23505 because the
 * key is unique across sites); the helper-oracle test fails (true for the installed module,
 * false for the other); a RESTRICT declared on platform keys is accepted and blocks the deletes.
 * Variants that pass today: unique columns and unique indexes are already per site; module roles
 * cannot call the registry helpers.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseSDK } from '../../module-sdk/src/index';
import { createModuleDataClient } from '../src/client';
import {
  installModuleForSite,
  isDefinitionValidationError,
  isModuleDbError,
  migratePlatform,
  provisionModuleDatabase,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';

let tdb: TestDatabase;
let db: Kysely<any>;
let agencyA: string;
let agencyB: string;
let siteA: string;
let siteB: string;
let userA: string;
let userB: string;

/** Platform tables a module may declare foreign keys to, by column. */
const PLATFORM_TARGETS: Record<string, { schema: string; table: string }> = {
  site_ref: { schema: 'public', table: 'sites' },
  user_ref: { schema: 'auth', table: 'users' },
  agency_ref: { schema: 'public', table: 'agencies' },
  client_ref: { schema: 'public', table: 'clients' },
  profile_ref: { schema: 'public', table: 'profiles' },
};

/** A module with one table `links(label, <column> uuid null references <target>(id))`, no onDelete. */
function refsDefinition(column: string, onDelete?: string): any {
  const target = PLATFORM_TARGETS[column] as { schema: string; table: string };
  return {
    moduleId: randomUUID(),
    moduleType: 'app',
    version: '1.0.0',
    tables: [
      {
        name: 'links',
        columns: [
          { name: 'label', type: 'text' },
          { name: column, type: 'uuid', nullable: true },
        ],
        foreignKeys: [
          {
            column,
            references: { schema: target.schema, table: target.table, column: 'id' },
            ...(onDelete ? { onDelete } : {}),
          },
        ],
      },
    ],
  };
}

/** A text primary key, a unique column and a unique index, in a schema module. */
const slugsSource: any = {
  moduleId: randomUUID(),
  moduleType: 'custom',
  version: '1.0.0',
  tables: [
    {
      name: 'pages',
      columns: [
        { name: 'slug', type: 'text', primaryKey: true },
        { name: 'title', type: 'text' },
      ],
    },
    {
      name: 'codes',
      columns: [
        { name: 'code', type: 'text', unique: true },
        { name: 'tag', type: 'text' },
      ],
      indexes: [{ columns: ['tag'], unique: true }],
    },
  ],
};

/**
 * Provisions `definition` and installs it on both sites, or returns the typed error with which the
 * platform refuses to declare it (an acceptable way to close a hole: the reference cannot exist).
 */
async function provisioned(definition: any): Promise<{ def?: any; refused?: unknown }> {
  try {
    await provisionModuleDatabase(db, definition);
  } catch (error) {
    expect(isDefinitionValidationError(error), `refused without a typed error: ${error}`).toBe(
      true,
    );
    return { refused: error };
  }
  await installModuleForSite(db, definition.moduleId, siteA);
  await installModuleForSite(db, definition.moduleId, siteB);
  return { def: definition };
}
const refsModules = new Map<string, Promise<{ def?: any; refused?: unknown }>>();
const refsFor = (column: string) => {
  let p = refsModules.get(column);
  if (!p) {
    p = provisioned(refsDefinition(column));
    refsModules.set(column, p);
  }
  return p;
};
let slugs: { def?: any; refused?: unknown };

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  agencyA = await tdb.factory.agency();
  agencyB = await tdb.factory.agency();
  siteA = await tdb.factory.site(agencyA);
  siteB = await tdb.factory.site(agencyB);
  userA = await tdb.factory.user();
  userB = await tdb.factory.user();
  await tdb.factory.member(agencyA, userA);
  await tdb.factory.member(agencyB, userB);
  slugs = await provisioned(slugsSource);
}, 120_000);
afterAll(() => tdb?.destroy());

type Door = 'client' | 'sdk';
const DOORS: readonly Door[] = ['client', 'sdk'];

/** Inserts one row as `user` on `site` through the data client or the SDK. */
function inserter(definition: any, site: string, user: string, door: Door) {
  const transport = createPostgresTransport(db);
  if (door === 'client') {
    const client = createModuleDataClient({ definition, siteId: site, userId: user, transport });
    return (table: string, row: Record<string, unknown>) => client.insert(table, row);
  }
  const sdk = createDatabaseSDK({ definition, siteId: site, userId: user, transport }) as any;
  return (table: string, row: Record<string, unknown>) => sdk.create(table, row);
}

/** What a caller can observe of an attempt: success, or the error's code and SQLSTATE. */
async function observe(
  fn: () => Promise<unknown>,
  hide: readonly string[],
): Promise<{ ok: boolean; code?: string; sqlstate?: string; message?: string }> {
  try {
    await fn();
    return { ok: true };
  } catch (error) {
    const e = error as { code?: string; sqlstate?: string; message?: string };
    let message = String(e.message ?? '');
    for (const h of hide) message = message.split(h).join('<id>');
    return {
      ok: false,
      code: isModuleDbError(error) ? e.code : 'untyped',
      sqlstate: e.sqlstate ?? e.code,
      message,
    };
  }
}

/** Platform-side deletes, as the platform runs them (superuser). */
async function platformDelete(table: string, schema: string, id: string) {
  return observe(
    () => sql`delete from ${sql.id(schema, table)} where id = ${id}::uuid`.execute(db),
    [],
  );
}

describe('item 9: foreign keys to platform tables do not pin other tenants', () => {
  const targets = [
    {
      column: 'site_ref',
      label: 'a site of agency A',
      make: () => tdb.factory.site(agencyA),
      remove: (id: string) => platformDelete('sites', 'public', id),
    },
    {
      column: 'user_ref',
      label: 'a user of agency A',
      make: async () => {
        const u = await tdb.factory.user();
        await tdb.factory.member(agencyA, u);
        return u;
      },
      remove: (id: string) => platformDelete('users', 'auth', id),
    },
    {
      column: 'profile_ref',
      label: 'the profile of a user of agency A (deleted with the user)',
      make: async () => {
        const u = await tdb.factory.user();
        await tdb.factory.member(agencyA, u);
        return u;
      },
      remove: (id: string) => platformDelete('users', 'auth', id),
    },
    {
      column: 'agency_ref',
      label: 'another agency',
      make: () => tdb.factory.agency(),
      remove: (id: string) => platformDelete('agencies', 'public', id),
    },
    {
      column: 'client_ref',
      label: 'a client of agency A',
      make: () => tdb.factory.client(agencyA),
      remove: (id: string) => platformDelete('clients', 'public', id),
    },
  ];
  for (const door of DOORS) {
    for (const t of targets) {
      it(`${door}: a site B row naming ${t.label} (${t.column}) does not block deleting it`, async () => {
        const refs = await refsFor(t.column);
        if (!refs.def) return; // the platform refuses to declare the reference at all
        const target = await t.make();
        const insert = inserter(refs.def, siteB, userB, door);
        // Whether the platform accepts or refuses the reference is its choice; the delete must work.
        await observe(() => insert('links', { label: 'pin', [t.column]: target }), []);
        const deleted = await t.remove(target);
        expect(
          deleted,
          `deleting ${t.label} referenced from site B: ${deleted.sqlstate} ${deleted.message}`,
        ).toEqual({ ok: true });
      });

      it(`${door}: naming ${t.label} (${t.column}) is no existence oracle`, async () => {
        const refs = await refsFor(t.column);
        if (!refs.def) return;
        const existing = await t.make();
        const unknown = randomUUID();
        const insert = inserter(refs.def, siteB, userB, door);
        const a = await observe(
          () => insert('links', { label: 'probe', [t.column]: existing }),
          [existing],
        );
        const b = await observe(
          () => insert('links', { label: 'probe', [t.column]: unknown }),
          [unknown],
        );
        expect(a, `outcome for an existing vs an unknown ${t.column}`).toEqual(b);
      });
    }
  }

  it('a RESTRICT declared on platform keys is refused, or does not block the platform either', async () => {
    for (const column of ['site_ref', 'user_ref'] as const) {
      const refs = await provisioned(refsDefinition(column, 'RESTRICT'));
      if (!refs.def) continue;
      const target =
        column === 'site_ref' ? await tdb.factory.site(agencyA) : await tdb.factory.user();
      await observe(
        () =>
          inserter(refs.def, siteB, userB, 'client')('links', { label: 'pin', [column]: target }),
        [],
      );
      const deleted =
        column === 'site_ref'
          ? await platformDelete('sites', 'public', target)
          : await platformDelete('users', 'auth', target);
      expect(
        deleted,
        `${column} ON DELETE RESTRICT: ${deleted.sqlstate} ${deleted.message}`,
      ).toEqual({ ok: true });
    }
  });
});

describe('item 10: keys are unique per site', () => {
  for (const door of DOORS) {
    it(`${door}: site B can use a text primary key site A already has`, async () => {
      if (!slugs.def) return; // text primary keys refused at declaration
      const slug = `launch-plan-${randomUUID().slice(0, 6)}`;
      await inserter(slugs.def, siteA, userA, door)('pages', { slug, title: 'A secret plan' });
      const b = await observe(
        () => inserter(slugs.def, siteB, userB, door)('pages', { slug, title: 'B page' }),
        [],
      );
      expect(b, "site B's insert of a slug site A uses").toEqual({ ok: true });
      const { rows } = await sql<{ site_id: string; title: string }>`
        select site_id, title from ${sql.id(`mod_${slugs.def.moduleId.replaceAll('-', '').slice(0, 8)}`, 'pages')}
        where slug = ${slug} order by title`.execute(db);
      expect(rows).toEqual([
        { site_id: siteA, title: 'A secret plan' },
        { site_id: siteB, title: 'B page' },
      ]);
    });

    it(`${door}: whether site A has a slug is no oracle for site B`, async () => {
      if (!slugs.def) return; // text primary keys refused at declaration
      const taken = `taken-${randomUUID().slice(0, 6)}`;
      const free = `free-${randomUUID().slice(0, 6)}`;
      await inserter(slugs.def, siteA, userA, door)('pages', { slug: taken, title: 'A' });
      const insertB = inserter(slugs.def, siteB, userB, door);
      const a = await observe(() => insertB('pages', { slug: taken, title: 'B' }), [taken]);
      const b = await observe(() => insertB('pages', { slug: free, title: 'B' }), [free]);
      expect(a, 'outcome for a slug site A has vs one nobody has').toEqual(b);
    });
  }

  it('client: site B can rename its row to a slug site A has', async () => {
    if (!slugs.def) return; // text primary keys refused at declaration
    const slug = `renamed-${randomUUID().slice(0, 6)}`;
    await inserter(slugs.def, siteA, userA, 'client')('pages', { slug, title: 'A' });
    const own = `own-${randomUUID().slice(0, 6)}`;
    await inserter(slugs.def, siteB, userB, 'client')('pages', { slug: own, title: 'B' });
    const client = createModuleDataClient({
      definition: slugs.def,
      siteId: siteB,
      userId: userB,
      transport: createPostgresTransport(db),
    });
    const result = await observe(() => client.update('pages', { slug }, { slug: own }), []);
    expect(result).toEqual({ ok: true });
  });

  it('a unique column is per site (variant that holds today)', async () => {
    if (!slugs.def) return; // text primary keys refused at declaration
    const code = `c-${randomUUID().slice(0, 6)}`;
    await inserter(slugs.def, siteA, userA, 'client')('codes', { code, tag: `a-${code}` });
    const b = await observe(
      () => inserter(slugs.def, siteB, userB, 'client')('codes', { code, tag: `b-${code}` }),
      [],
    );
    expect(b).toEqual({ ok: true });
  });

  it('a unique index is per site (variant that holds today)', async () => {
    if (!slugs.def) return; // text primary keys refused at declaration
    const tag = `t-${randomUUID().slice(0, 6)}`;
    await inserter(slugs.def, siteA, userA, 'sdk')('codes', { code: `a-${tag}`, tag });
    const b = await observe(
      () => inserter(slugs.def, siteB, userB, 'sdk')('codes', { code: `b-${tag}`, tag }),
      [],
    );
    expect(b).toEqual({ ok: true });
  });
});

describe('item 13: the site helper is no oracle of other installed modules', () => {
  /** Runs `fn` as `role` with the request claims of `user` on `site`. */
  const asModule = <T>(
    role: string,
    site: string,
    user: string,
    fn: (trx: Kysely<any>) => Promise<T>,
  ) =>
    db.transaction().execute(async (trx) => {
      const claims = JSON.stringify({ sub: user, site_id: site, role: 'authenticated' });
      await sql`select set_config('request.jwt.claims', ${claims}, true), set_config('role', ${role}, true)`.execute(
        trx,
      );
      return fn(trx);
    });

  it('answers the same for a module installed on the site and one that is not', async () => {
    // Three modules: the caller and "installed" are on site B; "absent" is provisioned, not installed.
    const make = async () => {
      const def = {
        moduleId: randomUUID(),
        moduleType: 'app',
        version: '1.0.0',
        tables: [{ name: 'things', columns: [{ name: 'name', type: 'text' }] }],
      };
      return { def, result: await provisionModuleDatabase(db, def) };
    };
    const caller = await make();
    const installed = await make();
    const absent = await make();
    await installModuleForSite(db, caller.def.moduleId, siteB);
    await installModuleForSite(db, installed.def.moduleId, siteB);
    const ask = (short: string) =>
      asModule(caller.result.role, siteB, userB, async (trx) => {
        const { rows } = await sql<{ ok: boolean }>`
          select public.dramac_can_access_current_site(${short}) as ok`.execute(trx);
        return rows[0]?.ok;
      }).catch((e: Error) => `error: ${(e as { code?: string }).code ?? e.message}`);
    // The request context is right: the caller's own role sees its row on site B.
    const [schema, table] = String(caller.result.tables[0]).split('.') as [string, string];
    await sql`insert into ${sql.id(schema, table)} (site_id, name) values (${siteB}::uuid, 'own')`.execute(
      db,
    );
    const own = await asModule(caller.result.role, siteB, userB, (trx) =>
      sql<{ n: number }>`select count(*)::int as n from ${sql.id(schema, table)}`.execute(trx),
    );
    expect(own.rows).toEqual([{ n: 1 }]);
    const aboutInstalled = await ask(installed.result.shortId);
    const aboutAbsent = await ask(absent.result.shortId);
    const aboutUnknown = await ask('0badf00d');
    expect(aboutInstalled, 'installed vs not installed').toEqual(aboutAbsent);
    expect(aboutInstalled, 'installed vs never provisioned').toEqual(aboutUnknown);
  });

  it('module roles cannot call the registry helpers (variant that holds today)', async () => {
    const def = {
      moduleId: randomUUID(),
      moduleType: 'app',
      version: '1.0.0',
      tables: [{ name: 'things', columns: [{ name: 'name', type: 'text' }] }],
    };
    const result = await provisionModuleDatabase(db, def);
    await installModuleForSite(db, def.moduleId, siteB);
    for (const call of [
      sql`select public.module_schema_exists('mod_00000000')`,
      sql`select * from public.get_module_tables(${result.shortId}, false)`,
      sql`select public.get_module_storage_size(${result.shortId})`,
      sql`select module_short_id from public.module_site_installations`,
      sql`select module_short_id from public.module_database_registry`,
    ]) {
      const outcome = await asModule(result.role, siteB, userB, (trx) => call.execute(trx)).then(
        () => 'allowed',
        (e: { code?: string }) => e.code,
      );
      expect(outcome).toBe('42501');
    }
  });
});

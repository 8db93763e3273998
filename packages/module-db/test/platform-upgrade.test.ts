/**
 * A database migrated and provisioned by the released code (platform migrations 1-5 and the plans
 * the planner wrote then, kept in fixtures/legacy-plans.json) upgrades in place to migration 6:
 * its modules move to their owner roles, the provisioner loses every right but EXECUTE on the
 * entry points, the admin roles lose BYPASSRLS, and the data stays reachable exactly as before.
 */
import {
  connect,
  createPlatformFactory,
  type EmbeddedPostgresServer,
  PLATFORM_FIXTURES_SQL,
  runScripts,
  SUPABASE_COMPAT_SQL,
  startEmbeddedPostgres,
} from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createModuleAdminClient } from '../src/admin';
import { createModuleDataClient } from '../src/client';
import {
  checkModuleDatabase,
  lintModuleDatabase,
  migratePlatform,
  PLATFORM_MIGRATIONS,
  planModuleRepair,
  provisionModuleDatabase,
  repairModuleDatabase,
} from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import legacy from './fixtures/legacy-plans.json' with { type: 'json' };
import { bookingModule, crmModule, shopModule, widgetModule } from './fixtures/sample-modules';

type Legacy = { plan: unknown; definition: unknown; checksum: string; moduleType: string };
const released = legacy as unknown as Record<'crm' | 'booking' | 'shop' | 'widget', Legacy>;

// A cluster of its own: roles are cluster-wide, and migration 6 takes rights away from the
// shared dramac_provisioner role that migration 5's functions need; the other test files'
// databases (already at 6) must not change under this one.
let server: EmbeddedPostgresServer;
let db: Kysely<any>;
let agency: string;
let siteA: string;
let siteB: string;
let alice: string;

// Migrations 1-5 never provisioned a table module on PostgreSQL 15: their provisioner (not a
// superuser) had to create the modules' BYPASSRLS admin roles, which PostgreSQL 15 reserves to
// superusers. There is no such database on 15 to upgrade.
const releasedRanHere = inject('dramacPostgres').majorVersion >= 16;
if (!releasedRanHere) {
  console.log(
    '[platform-upgrade] skipped on PostgreSQL 15: migrations 1-5 could not provision a table module there (BYPASSRLS admin roles need a superuser on 15), so no database provisioned by them exists to upgrade',
  );
}

beforeAll(async () => {
  if (!releasedRanHere) return;
  server = await startEmbeddedPostgres();
  await runScripts(server.url, [SUPABASE_COMPAT_SQL, PLATFORM_FIXTURES_SQL]);
  db = connect(server.url);
  const factory = createPlatformFactory(db);
  const before = await migratePlatform(db, { to: 5 });
  expect(before.version).toBe(5);
  for (const m of Object.values(released)) {
    await sql`select public.dramac_apply_module_plan(${JSON.stringify(m.plan)}::jsonb,
      ${JSON.stringify(m.definition)}::jsonb, ${m.checksum}, ${m.moduleType})`.execute(db);
  }
  agency = await factory.agency();
  siteA = await factory.site(agency);
  siteB = await factory.site(agency);
  alice = await factory.user();
  await factory.member(agency, alice);
  // Installed on the sites as the released code did it (this code's installModuleForSite needs
  // migration 6's lock function).
  for (const module of [crmModule, bookingModule, shopModule, widgetModule]) {
    for (const site of [siteA, siteB]) {
      await sql`insert into public.module_site_installations (module_short_id, site_id, module_id)
                values (${module.moduleId.slice(0, 8)}, ${site}, ${module.moduleId})`.execute(db);
    }
  }
  // Data written under the released code, through the released policies.
  for (const [site, name] of [
    [siteA, 'Ada'],
    [siteB, 'Bob'],
  ] as const) {
    const client = createModuleDataClient({
      definition: crmModule,
      siteId: site,
      userId: alice,
      transport: createPostgresTransport(db),
    });
    await client.insert('contacts', { first_name: name, last_name: 'Legacy' });
  }
  expect(PLATFORM_MIGRATIONS.length).toBeGreaterThan(5);
  const after = await migratePlatform(db);
  expect(after.applied).toContain(6);
});
afterAll(async () => {
  await db?.destroy();
  await server?.stop();
});

async function owners() {
  const { rows } = await sql<{ owner: string; n: number }>`
    select pg_get_userbyid(c.relowner)::text as owner, count(*)::int as n from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and (n.nspname like 'mod\\_%' or c.relname like 'mod\\_%')
    group by 1 order by 1`.execute(db);
  return rows;
}

describe.skipIf(!releasedRanHere)(
  'platform migration 6 on a database provisioned by migrations 1-5',
  () => {
    it('moves every module table to its owner role; the provisioner owns nothing and holds no attribute', async () => {
      const rows = await owners();
      expect(rows.map((r) => r.owner).sort()).toEqual(
        [crmModule, bookingModule, shopModule]
          .map((m) => `modowner_${m.moduleId.slice(0, 8)}`)
          .sort(),
      );
      const { rows: provisioner } = await sql<{
        createrole: boolean;
        bypassrls: boolean;
        owned: number;
      }>`
      select r.rolcreaterole as createrole, r.rolbypassrls as bypassrls,
        (select count(*)::int from pg_shdepend d where d.refobjid = r.oid and d.deptype = 'o') as owned
      from pg_roles r where r.rolname = 'dramac_provisioner'`.execute(db);
      expect(provisioner).toEqual([{ createrole: false, bypassrls: false, owned: 0 }]);
      const { rows: admins } = await sql<{ n: number }>`
      select count(*)::int as n from pg_roles where rolname like 'modadmin\\_%' and rolbypassrls`.execute(
        db,
      );
      expect(admins).toEqual([{ n: 0 }]);
    });

    it('keeps every row reachable as before: per site through the SDK, all sites through the admin client', async () => {
      const read = async (site: string) =>
        createModuleDataClient({
          definition: crmModule,
          siteId: site,
          userId: alice,
          transport: createPostgresTransport(db),
        }).select('contacts', { select: ['first_name'] });
      expect((await read(siteA)).map((r) => r.first_name)).toEqual(['Ada']);
      expect((await read(siteB)).map((r) => r.first_name)).toEqual(['Bob']);
      const admin = createModuleAdminClient({ definition: crmModule, db });
      const all = await admin.select('contacts', {
        select: ['first_name'],
        orderBy: { column: 'first_name' },
      });
      expect(all.map((r) => r.first_name)).toEqual(['Ada', 'Bob']);
      // New writes go through the same policies, now as before.
      const client = createModuleDataClient({
        definition: crmModule,
        siteId: siteA,
        userId: alice,
        transport: createPostgresTransport(db),
      });
      await client.insert('companies', { name: 'Acme' });
      expect(await client.count('companies')).toBe(1);
    });

    it('reports the released per-table keys as drift, repairs them in place, and then upgrades', async () => {
      const report = await checkModuleDatabase(db, crmModule.moduleId);
      const kinds = new Set(report.differences.map((d) => d.kind));
      // Released tables had a global primary key (id) and a separate unique (site_id, id) that the
      // same-module foreign keys referenced: the keys are rebuilt, and the foreign keys with them.
      expect(kinds.has('primary_key')).toBe(true);
      expect(
        [...kinds].every((k) =>
          ['primary_key', 'unexpected_constraint', 'constraint_definition'].includes(k),
        ),
      ).toBe(true);
      const repair = await planModuleRepair(db, crmModule.moduleId);
      expect(repair.unrepairable).toEqual([]);
      const result = await repairModuleDatabase(db, crmModule.moduleId, { actor: 'test' });
      expect(result.status).toBe('repaired');
      expect((await checkModuleDatabase(db, crmModule.moduleId)).ok).toBe(true);
      // Rows survive the repair, on their sites.
      const admin = createModuleAdminClient({ definition: crmModule, db });
      expect(await admin.count('contacts')).toBe(2);
      // The repaired module upgrades like a fresh one.
      const next = { ...crmModule, version: '1.0.1' };
      const upgraded = await provisionModuleDatabase(db, next);
      expect(upgraded.status).toBe('upgraded');
      expect((await checkModuleDatabase(db, crmModule.moduleId)).ok).toBe(true);
    });

    it('the other modules repair too, and lint clean afterwards', async () => {
      for (const module of [bookingModule, shopModule, widgetModule]) {
        await repairModuleDatabase(db, module.moduleId);
        const report = await checkModuleDatabase(db, module.moduleId);
        expect(report.differences, module.moduleId).toEqual([]);
      }
      const lint = await lintModuleDatabase(db);
      expect(lint.findings.filter((f) => f.level !== 'info')).toEqual([]);
    });
  },
);

/** The large data set of cases 2, 3 and 5, generated with generate_series as the superuser. */
import { provisionModuleDatabase } from '@dramac/module-db';
import { type Kysely, sql } from 'kysely';
import type { BenchConfig } from './config';
import { benchModuleId, bigModule } from './modules';
import { createPlatform, installOnSites, type Platform } from './setup';
import { nowMs } from './stats';

export interface BigData {
  readonly platform: Platform;
  readonly moduleId: string;
  readonly shortId: string;
  readonly schema: string;
  readonly role: string;
  readonly adminRole: string;
  /** The copy of `items` that carries the seed's policy. */
  readonly seedTable: string;
  /** Site holding `count.sizes[i]` rows of `events`. */
  readonly countSites: readonly string[];
  readonly itemsRows: number;
  readonly loadMs: number;
}

/** The seed's policy (EM-11 `enableRLS`), verbatim: a four-table join evaluated for the rows. */
export const SEED_POLICY_USING = `site_id IN (
        SELECT s.id FROM public.sites s
        JOIN public.clients c ON s.client_id = c.id
        JOIN public.agencies a ON c.agency_id = a.id
        JOIN public.agency_members am ON a.id = am.agency_id
        WHERE am.user_id = auth.uid()
      )`;

export async function buildBigData(
  db: Kysely<any>,
  config: BenchConfig,
  runTag: string,
): Promise<BigData> {
  const started = nowMs();
  const platform = await createPlatform(db, config.rls.sites);
  const moduleId = benchModuleId(`${runTag}b`, 1);
  const provisioned = await provisionModuleDatabase(db, bigModule(moduleId));
  await installOnSites(db, moduleId, provisioned.shortId, platform.sites);
  const schema = provisioned.schemaName;
  const sites = platform.sites.slice(0, config.rls.sites);
  // No autovacuum on these two while loading (turned back on once the load is vacuumed): an
  // automatic ANALYZE started during a bulk insert holds a snapshot older than the insert.
  for (const t of ['items', 'events']) {
    await sql`alter table ${sql.id(schema, t)} set (autovacuum_enabled = false)`.execute(db);
  }
  // Rows spread round-robin over the sites, newest first by created_at.
  await sql`
    insert into ${sql.id(schema, 'items')} (site_id, title, score, created_at)
    select (${sites}::uuid[])[1 + g % ${sites.length}::int], 'Item ' || g, g % 1000,
      timestamptz '2026-01-01' - g * interval '1 second'
    from generate_series(0, ${config.rls.rows - 1}::int) g`.execute(db);
  // The seed's policy on a copy of the same rows (the same indexes), for the same user.
  const seedTable = 'bench_seed_items';
  await sql`create table public.bench_seed_items (like ${sql.id(schema, 'items')} including defaults including constraints including indexes)`.execute(
    db,
  );
  await sql`insert into public.bench_seed_items select * from ${sql.id(schema, 'items')}`.execute(
    db,
  );
  await sql`alter table public.bench_seed_items enable row level security`.execute(db);
  await sql`alter table public.bench_seed_items force row level security`.execute(db);
  await sql
    .raw(
      `create policy site_isolation on public.bench_seed_items for all using (${SEED_POLICY_USING})`,
    )
    .execute(db);
  await sql`grant select on public.bench_seed_items to authenticated`.execute(db);
  // events: one site per size (sites 1, 2, 3 belong to the user's agency, as site 0 does).
  const countSites = config.count.sizes.map((_, i) => platform.sites[i + 1] as string);
  for (const [i, size] of config.count.sizes.entries()) {
    await sql`
      insert into ${sql.id(schema, 'events')} (site_id, kind, amount, created_at)
      select ${countSites[i]}::uuid, (array['view', 'click', 'buy'])[1 + g % 3], g % 500,
        timestamptz '2026-01-01' - g * interval '1 second'
      from generate_series(1, ${size}::int) g`.execute(db);
  }
  // Other sites' events too, so the measured sites are not the whole table.
  await sql`
    insert into ${sql.id(schema, 'events')} (site_id, kind, amount)
    select (${sites.slice(10)}::uuid[])[1 + g % greatest(1, ${Math.max(1, sites.length - 10)}::int)], 'view', g % 500
    from generate_series(1, ${Math.min(100_000, config.rls.rows / 10)}::int) g`.execute(db);
  await sql`vacuum analyze`.execute(db);
  // The load vacuumed as a table is some time after its last bulk write: every page all-visible.
  // A VACUUM can leave pages unmarked while another session (an automatic ANALYZE of another
  // table) holds a snapshot older than the load: vacuumed again until none is left (bounded).
  for (let attempt = 0; attempt < 10; attempt++) {
    const { rows } = await sql<{ unmarked: string }>`
      select sum(relpages - relallvisible) as unmarked from pg_class
      where oid in (${`${schema}.items`}::regclass, ${`${schema}.events`}::regclass)`.execute(db);
    if (Number(rows[0]?.unmarked ?? 0) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await sql`vacuum ${sql.id(schema, 'items')}, ${sql.id(schema, 'events')}`.execute(db);
  }
  for (const t of ['items', 'events']) {
    await sql`alter table ${sql.id(schema, t)} reset (autovacuum_enabled)`.execute(db);
  }
  return {
    platform,
    moduleId,
    shortId: provisioned.shortId,
    schema,
    role: provisioned.role,
    adminRole: `modadmin_${provisioned.shortId}`,
    seedTable,
    countSites,
    itemsRows: config.rls.rows,
    loadMs: nowMs() - started,
  };
}

/**
 * Child process of the memory case: serves SDK calls (find, findById, count, createOne,
 * updateById in turn) on the Postgres transport and reports its memory as it goes.
 */
import { installModuleForSite, provisionModuleDatabase } from '@dramac/module-db';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { createDatabaseSDK } from '@dramac/module-sdk';
import { connect } from '@dramac/test-db';
import { sql } from 'kysely';
import pg from 'pg';
import { benchModuleId, crmLike } from '../modules';
import { createPlatform } from '../setup';
import { nowMs } from '../stats';
import { args, collect, memory, report, resetPeak, settle } from './worker-io';

const { url, prefix, calls, every } = args<{
  url: string;
  prefix: string;
  calls: number;
  every: number;
}>();
const db = connect(url, 4);
const platform = await createPlatform(db, 10);
const definition = crmLike(benchModuleId(prefix, 1));
const provisioned = await provisionModuleDatabase(db, definition);
const site = platform.sites[0] as string;
await installModuleForSite(db, definition.moduleId, site);
await sql`
  insert into ${sql.id(provisioned.schemaName, 'contacts')} (site_id, first_name, last_name, status, lead_score)
  select ${site}::uuid, 'F' || g, 'L' || g, (array['lead', 'customer'])[1 + g % 2], g % 101
  from generate_series(1, 1000) g`.execute(db);
// The transport as a server runs it: a pg pool in pipeline mode, one round trip per call.
const pool = new pg.Pool({ connectionString: url, max: 4, pipeline: true } as pg.PoolConfig);
pool.on('error', () => undefined);
const sdk = createDatabaseSDK({
  definition,
  siteId: site,
  userId: platform.userId,
  transport: createPostgresTransport(pool),
});
const { rows } = await sql<{
  id: string;
}>`select id::text from ${sql.id(provisioned.schemaName, 'contacts')} limit 200`.execute(db);
const ids = rows.map((r) => r.id);

async function call(i: number): Promise<void> {
  const id = ids[i % ids.length] as string;
  switch (i % 5) {
    case 0:
      await sdk.find('contacts', {
        where: { status: 'lead', lead_score: { gte: 50 } },
        orderBy: { column: 'created_at', ascending: false },
        limit: 50,
      });
      break;
    case 1:
      await sdk.findById('contacts', id);
      break;
    case 2:
      await sdk.count('contacts', { status: 'customer' });
      break;
    case 3:
      await sdk.createOne('contacts', { first_name: 'N', last_name: String(i) });
      break;
    default:
      await sdk.updateById('contacts', id, { lead_score: i % 101 });
  }
}

// Warm-up calls are not counted: they load code and fill caches.
for (let i = 0; i < 200; i++) await call(i);
await settle();
const afterWarmup = memory();
collect();
const reset = resetPeak();
const first = memory();
report({
  type: 'sample',
  calls: 0,
  ...first,
  heapAfterGc: first.heapUsed,
  rssAfterGc: first.rss,
  v8CommittedAfterGc: first.v8Committed,
  nativeAfterGc: first.native,
  warmupPeakRss: afterWarmup.peakRss,
  peakReset: reset,
});
const start = nowMs();
for (let i = 1; i <= calls; i++) {
  await call(i);
  if (i % every === 0) {
    const raw = memory();
    collect();
    const afterGc = memory();
    report({
      type: 'sample',
      calls: i,
      rss: raw.rss,
      peakRss: raw.peakRss,
      heapUsed: raw.heapUsed,
      heapAfterGc: afterGc.heapUsed,
      rssAfterGc: afterGc.rss,
      v8Committed: raw.v8Committed,
      newSpace: raw.newSpace,
      v8CommittedAfterGc: afterGc.v8Committed,
      nativeAfterGc: afterGc.native,
    });
  }
}
report({ type: 'end', ms: nowMs() - start, ...memory() });
await pool.end();
await db.destroy();

/**
 * Child process of the provisioning-scale and memory cases: provisions modules one after another
 * into one database, reporting each module's time and this process's memory; at each milestone it
 * measures the catalog and a probe (provision then deprovision a few extra modules).
 */
import { deprovisionModuleDatabase, provisionModuleDatabase } from '@dramac/module-db';
import { connect } from '@dramac/test-db';
import { sql } from 'kysely';
import { benchModuleId, crmLike } from '../modules';
import { nowMs } from '../stats';
import { args, collect, memory, report, resetPeak, settle } from './worker-io';

interface Args {
  url: string;
  prefix: string;
  milestones: number[];
  probes: number;
  /** Date.now() after which no further module starts (the run's time budget); the last size reached becomes a milestone. */
  deadline: number | null;
}

const { url, prefix, milestones, probes, deadline } = args<Args>();
const db = connect(url, 2);
const max = Math.max(...milestones);
// Probe modules take numbers after the installed ones, so their ids never collide.
let probeNumber = 0x80000;

async function provisionOne(n: number): Promise<number> {
  const start = nowMs();
  await provisionModuleDatabase(db, crmLike(benchModuleId(prefix, n)), { actor: 'bench' });
  return nowMs() - start;
}

async function deprovisionOne(n: number): Promise<number> {
  const start = nowMs();
  await deprovisionModuleDatabase(db, benchModuleId(prefix, n), { mode: 'drop', actor: 'bench' });
  return nowMs() - start;
}

// Warm-up: the first provisioning loads the SQL parser (WebAssembly) and fills caches.
const warm = probeNumber++;
const warmProvision = await provisionOne(warm);
const warmDeprovision = await deprovisionOne(warm);
report({ type: 'warmup', provisionMs: warmProvision, deprovisionMs: warmDeprovision });

await settle();
const afterWarmup = memory();
collect();
const reset = resetPeak();
const start = memory();
report({ type: 'start', ...start, warmupPeakRss: afterWarmup.peakRss, peakReset: reset });
const startAll = nowMs();

async function milestone(n: number): Promise<void> {
  const elapsed = nowMs() - startAll;
  const { rows } = await sql<Record<string, string>>`
    select
      (select count(*) from pg_catalog.pg_class) as relations,
      (select count(*) from pg_catalog.pg_attribute) as attributes,
      (select count(*) from pg_catalog.pg_policy) as policies,
      (select count(*) from pg_catalog.pg_constraint) as constraints,
      (select count(*) from pg_catalog.pg_roles) as roles,
      (select sum(pg_catalog.pg_total_relation_size(c.oid)) from pg_catalog.pg_class c
        where c.relnamespace = 'pg_catalog'::regnamespace and c.relkind = 'r') as catalog_bytes,
      pg_catalog.pg_database_size(pg_catalog.current_database()) as database_bytes`.execute(db);
  const provision: number[] = [];
  const deprovision: number[] = [];
  const ids: number[] = [];
  for (let i = 0; i < probes; i++) {
    const id = probeNumber++;
    ids.push(id);
    provision.push(await provisionOne(id));
  }
  for (const id of ids) deprovision.push(await deprovisionOne(id));
  report({ type: 'milestone', n, elapsedMs: elapsed, catalog: rows[0], provision, deprovision });
}

for (let n = 1; n <= max; n++) {
  if (deadline !== null && n > 1 && Date.now() > deadline) {
    report({ type: 'stopped', n: n - 1 });
    if (!milestones.includes(n - 1)) await milestone(n - 1);
    break;
  }
  const ms = await provisionOne(n);
  const mem = memory();
  // Every twentieth of the run, a full collection: the heap after GC is what a leak would grow.
  const gc = n % Math.max(1, Math.floor(max / 20)) === 0;
  if (gc) collect();
  const after = gc ? memory() : undefined;
  report({
    type: 'module',
    n,
    ms,
    rss: mem.rss,
    peakRss: mem.peakRss,
    heapUsed: mem.heapUsed,
    ...(after
      ? {
          heapAfterGc: after.heapUsed,
          v8CommittedAfterGc: after.v8Committed,
          rssAfterGc: after.rss,
        }
      : {}),
  });
  if (milestones.includes(n)) await milestone(n);
}
collect();
report({ type: 'end', totalMs: nowMs() - startAll, ...memory() });
await db.destroy();

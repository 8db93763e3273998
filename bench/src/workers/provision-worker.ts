/**
 * Child process of the provisioning-scale and memory cases: provisions modules one after another
 * into one database, reporting each module's time and this process's memory; at each milestone it
 * measures the catalog and a probe (provision then deprovision a few extra modules).
 */
import {
  deprovisionModuleDatabase,
  planModuleDatabase,
  provisionModuleDatabase,
  validateModuleDefinition,
} from '@dramac/module-db';
import { connect } from '@dramac/test-db';
import { sql } from 'kysely';
import pg from 'pg';
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
// The raw baseline: the same plan's DDL sent by a superuser as one string, one round trip.
const raw = new pg.Client({ connectionString: url });
await raw.connect();
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

/**
 * The raw DDL of the same plan: the roles, memberships and schema the platform creates, then the
 * plan's statements, in one transaction sent as one string by the superuser (no validation, no
 * least privilege, no end-state proof). Then its raw drop (schema and roles), timed too.
 */
async function rawOne(n: number): Promise<{ ddl: number; drop: number }> {
  const plan = planModuleDatabase(
    await validateModuleDefinition(crmLike(benchModuleId(prefix, n))),
  );
  const s = plan.shortId;
  const q = (name: string) => `"${name}"`;
  const role = q(`modrole_${s}`);
  const admin = q(`modadmin_${s}`);
  const owner = q(`modowner_${s}`);
  const visitor = q(`modvisitor_${s}`);
  const schema = q(plan.schema);
  const text = [
    'begin',
    `create role ${role} nologin`,
    `create role ${admin} nologin noinherit`,
    `create role ${owner} nologin`,
    `create role ${visitor} nologin`,
    `grant dramac_module_roles to ${role}, ${visitor}`,
    `grant dramac_module_owners to ${owner}`,
    `grant ${role}, ${visitor} to dramac_data_api`,
    `grant ${admin} to dramac_admin_api`,
    `create schema ${schema} authorization ${owner}`,
    `grant usage on schema ${schema} to ${role}, ${admin}, ${visitor}`,
    `set local role ${owner}`,
    ...plan.statements.map((x) => x.sql),
    'commit',
  ].join(';\n');
  let start = nowMs();
  await raw.query(text);
  const ddl = nowMs() - start;
  start = nowMs();
  await raw.query(
    `begin; drop schema ${schema} cascade; drop role ${role}; drop role ${admin}; drop role ${visitor}; drop role ${owner}; commit`,
  );
  return { ddl, drop: nowMs() - start };
}

/**
 * The end-state proof alone (`dramac_verify_module_state`, which reads the module's catalog state
 * and compares it with the plan's desired state), run again on installed module #1 in a
 * transaction rolled back at the end (its roles' quota timeouts taken off first, as a provision
 * does): `cached` with the session's plans still valid, `afterSchemaChange` after a change of
 * pg_namespace (a schema's ACL granted and revoked), which makes every backend plan its statements
 * again, as the CREATE SCHEMA of every provision does.
 */
async function proofTimes(
  samples: number,
): Promise<{ cached: number[]; afterSchemaChange: number[] }> {
  const definition = await validateModuleDefinition(crmLike(benchModuleId(prefix, 1)));
  const plan = planModuleDatabase(definition);
  const desired = JSON.stringify(plan.desired);
  const verify =
    'select public.dramac_verify_module_state($1, $2, $3::jsonb, $4::text[]) is not null as ok';
  const args = [plan.shortId, plan.strategy, desired, []];
  const schema = `"${plan.schema}"`;
  const cached: number[] = [];
  const afterSchemaChange: number[] = [];
  await raw.query('begin');
  try {
    await raw.query('select public.dramac_reset_module_role_settings($1)', [plan.shortId]);
    await raw.query(verify, args);
    for (let i = 0; i < samples; i++) {
      let start = nowMs();
      await raw.query(verify, args);
      cached.push(nowMs() - start);
      await raw.query(
        `grant usage on schema ${schema} to public; revoke usage on schema ${schema} from public`,
      );
      start = nowMs();
      await raw.query(verify, args);
      afterSchemaChange.push(nowMs() - start);
    }
  } finally {
    await raw.query('rollback');
  }
  return { cached, afterSchemaChange };
}

// Warm-up: the first provisioning loads the SQL parser (WebAssembly) and fills caches.
const warm = probeNumber++;
const warmProvision = await provisionOne(warm);
const warmDeprovision = await deprovisionOne(warm);
await rawOne(probeNumber++);
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
  const rawDdl: number[] = [];
  const rawDrop: number[] = [];
  // Interleaved: raw DDL, then provision, then their removals, probe after probe.
  for (let i = 0; i < probes; i++) {
    const r = await rawOne(probeNumber++);
    rawDdl.push(r.ddl);
    rawDrop.push(r.drop);
    const id = probeNumber++;
    provision.push(await provisionOne(id));
    deprovision.push(await deprovisionOne(id));
  }
  const proof = await proofTimes(probes);
  report({
    type: 'milestone',
    n,
    elapsedMs: elapsed,
    catalog: rows[0],
    provision,
    deprovision,
    rawDdl,
    rawDrop,
    proofCached: proof.cached,
    proofAfterSchemaChange: proof.afterSchemaChange,
  });
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
await raw.end();
await db.destroy();

/**
 * `pnpm bench [--quick] [--out <file>] [--only <case,...>]`: the cost of isolation, measured side by
 * side. Starts its own embedded PostgreSQL (or uses DATABASE_URL), builds its data, runs every
 * case and writes the Markdown report (BENCHMARKS.md at the repository root for a full run).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { connect } from '@dramac/test-db';
import { sql } from 'kysely';
import pg from 'pg';
import { buildBigData } from './big-data';
import { countCase } from './cases/count';
import { memoryCase } from './cases/memory';
import { provisioningScale } from './cases/provisioning';
import { quotaInsertCase } from './cases/quota-insert';
import { rlsPolicy } from './cases/rls-policy';
import { sdkOverhead } from './cases/sdk-overhead';
import { upgradeCase } from './cases/upgrade';
import { visitorRead } from './cases/visitor-read';
import { type BenchConfig, FULL, QUICK } from './config';
import { describeMachine } from './machine';
import { mib, renderSection, type Section, table } from './report';
import { createBenchDatabase, startServer } from './setup';
import { nowMs } from './stats';

const argv = process.argv.slice(2);
const config: BenchConfig = argv.includes('--quick') ? QUICK : FULL;
const outArg = argv.indexOf('--out');
const root = fileURLToPath(new URL('../../', import.meta.url));
const out =
  outArg >= 0
    ? (argv[outArg + 1] as string)
    : config.mode === 'full'
      ? `${root}BENCHMARKS.md`
      : `${root}bench/BENCHMARKS.quick.md`;
const onlyArg = argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((argv[onlyArg + 1] ?? '').split(',')) : null;
const wanted = (n: number) => !only || only.has(String(n));

const runTag = randomBytes(1).toString('hex');

/** A case that throws is reported as failed, with its error, and the run goes on. */
async function orFailure(n: string, run: () => Promise<Section>): Promise<Section> {
  const t0 = nowMs();
  try {
    return await run();
  } catch (error) {
    log(`case ${n} FAILED: ${(error as Error)?.stack ?? String(error)}`);
    return {
      title: `case ${n} failed`,
      intro: [
        `The case threw: \`${String((error as Error)?.message ?? error).replaceAll('`', "'")}\``,
      ],
      rows: [],
      extra: [],
      targets: [{ target: 'the case ran to its end', met: false, figure: 'it threw (see above)' }],
      explains: [],
      elapsedMs: nowMs() - t0,
    };
  }
}
const started = nowMs();
const log = (line: string) =>
  process.stdout.write(`[${((nowMs() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

log(`mode ${config.mode}; report -> ${out}`);
const server = await startServer();
log(`PostgreSQL: ${server.kind}, data in ${server.storage}`);
const databases: { drop(): Promise<void> }[] = [];
const sections = new Map<number, Section>();
let machine: string[][] = [];
const sizes: string[][] = [];
try {
  const data = await createBenchDatabase(server.url, 'data');
  databases.push(data);
  const pool = new pg.Pool({ connectionString: data.url, max: 4 });
  pool.on('error', () => undefined);
  const db = connect(data.url, 4);
  machine = await describeMachine(db, server.kind, server.storage);
  try {
    if (wanted(1)) {
      log('case 1: SDK overhead');
      sections.set(1, await sdkOverhead(data.url, config, runTag));
    }
    if (wanted(7)) {
      log('case 7: visitor read beside member read');
      sections.set(7, await orFailure('7', () => visitorRead(data.url, config, runTag)));
    }
    if (wanted(2) || wanted(3) || wanted(5)) {
      log(
        `building ${config.rls.rows.toLocaleString('en-US')} items over ${config.rls.sites} sites, the seed copy and events`,
      );
      const big = await buildBigData(db, config, runTag);
      log(`  loaded in ${(big.loadMs / 1000).toFixed(1)} s`);
      const { rows } = await sql<Record<string, string>>`
        select pg_database_size(current_database()) as db,
          pg_total_relation_size(${`${big.schema}.items`}::regclass) as items,
          pg_total_relation_size(${`${big.schema}.events`}::regclass) as events,
          (select count(*) from ${sql.id(big.schema, 'events')}) as events_rows,
          (select round(100.0 * relallvisible / greatest(relpages, 1)) from pg_class
            where oid = ${`${big.schema}.events`}::regclass) as events_visible`.execute(db);
      const r = rows[0] as Record<string, string>;
      sizes.push(
        [
          'sites',
          `${config.rls.sites.toLocaleString('en-US')} (agencies of 10 sites, 10 members each)`,
        ],
        [
          '`items` (cases 2, 5)',
          `${config.rls.rows.toLocaleString('en-US')} rows, ${mib(Number(r.items))} with indexes; the same rows again in the seed-policy copy`,
        ],
        [
          '`events` (case 3)',
          `${Number(r.events_rows).toLocaleString('en-US')} rows (${config.count.sizes.map((s) => s.toLocaleString('en-US')).join(' / ')} on the measured sites), ${mib(Number(r.events))}; ${r.events_visible}% of its pages all-visible after the load's VACUUM (index-only scans skip the heap there)`,
        ],
        ['data database', `${mib(Number(r.db))}, generated in ${(big.loadMs / 1000).toFixed(1)} s`],
      );
      if (wanted(2)) {
        log('case 2: RLS policy cost');
        sections.set(2, await orFailure('2', () => rlsPolicy(pool, big, config)));
      }
      if (wanted(3)) {
        log('case 3: count vs fetch-all');
        sections.set(3, await orFailure('3', () => countCase(db, data.url, big, config)));
      }
      if (wanted(5)) {
        log('case 5: additive upgrade under a concurrent writer');
        sections.set(5, await orFailure('5', () => upgradeCase(db, data.url, big)));
      }
    }
  } finally {
    await db.destroy();
    await pool.end();
  }
  if (wanted(4) || wanted(6)) {
    const provDb = await createBenchDatabase(server.url, 'provision');
    databases.push(provDb);
    log(`case 4: provisioning ${config.provision.milestones.join(' / ')} modules (child process)`);
    // The whole run stays within its budget: provisioning stops early (and says so) when the
    // machine is too slow, leaving time for the memory case.
    const deadline = config.mode === 'full' ? Date.now() - (nowMs() - started) + 17 * 60_000 : null;
    const provision = await provisioningScale(provDb.url, config, `${runTag}c`, deadline);
    sections.set(4, provision.section);
    if (wanted(6)) {
      const memDb = await createBenchDatabase(server.url, 'memory');
      databases.push(memDb);
      log(
        `case 6: memory of ${config.memoryCalls.toLocaleString('en-US')} SDK calls (child process)`,
      );
      sections.set(6, await memoryCase(memDb.url, config, `${runTag}d`, provision.memory));
    }
  }
  if (wanted(8)) {
    const quotaDb = await createBenchDatabase(server.url, 'quota');
    databases.push(quotaDb);
    log('case 8: insert throughput with quotas on vs off');
    sections.set(8, await orFailure('8', () => quotaInsertCase(quotaDb.url, config)));
  }
} finally {
  for (const d of databases) await d.drop().catch(() => undefined);
  // Roles are cluster-wide: on a DATABASE_URL server, take this run's module roles away too.
  const admin = connect(server.url, 1);
  try {
    const { rows } = await sql<{ rolname: string }>`
      select rolname from pg_roles where rolname ~ ${`^mod(role|admin)_${runTag}`}`.execute(admin);
    for (const r of rows)
      await sql`drop role if exists ${sql.id(r.rolname)}`.execute(admin).catch(() => undefined);
  } catch {
    // Best effort.
  } finally {
    await admin.destroy();
  }
  await server.stop();
}

const totalS = (nowMs() - started) / 1000;
// Other processes on a shared machine move absolute times: say how busy it was.
machine.splice(4, 0, [
  'load average at end',
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' '),
]);
const ordered = [...sections].sort(([a], [b]) => a - b);
const allTargets = ordered.flatMap(([n, s]) =>
  s.targets.map((t) => [
    `${n}. ${s.title}`,
    t.target,
    t.met === null ? 'reported' : t.met ? 'met' : 'missed',
    t.figure,
  ]),
);
const summary = table(['case', 'target', 'result', 'measured'], allTargets);
const markdown = [
  '# Benchmarks: the cost of isolation',
  '',
  `Generated by \`pnpm bench${config.mode === 'quick' ? ' --quick' : ''}\` (package \`bench/\`, private) on ${new Date().toISOString().slice(0, 10)}; the whole run took ${(totalS / 60).toFixed(1)} minutes. Every ratio compares two figures measured in this same run, on this same machine: the machines are noisy, so ratios matter, absolute times much less.${config.mode === 'quick' ? ' **Quick mode: small sizes, for iteration only.**' : ''}`,
  '',
  '## Machine',
  '',
  table(['', ''], machine),
  '',
  'The embedded server runs with `fsync=off`, `synchronous_commit=off` and `full_page_writes=off` (a disposable cluster): writes cost less than on a durable production server, reads are unaffected. PostgreSQL and the benchmark share the 2 cores.',
  '',
  '## Data sizes',
  '',
  table(
    ['data', 'size'],
    [
      [
        '`contacts` (case 1)',
        `${(config.sdk.rowsPerSite * 10).toLocaleString('en-US')} rows over 10 sites`,
      ],
      ...sizes,
      [
        'modules (case 4)',
        `${config.provision.milestones.join(' / ')} CRM-like modules of 4 tables`,
      ],
      ['SDK calls (case 6)', config.memoryCalls.toLocaleString('en-US')],
    ],
  ),
  '',
  '## Targets',
  '',
  summary,
  '',
  ...ordered.map(([n, s]) => renderSection(n, s)),
].join('\n');
writeFileSync(out, `${markdown}\n`);
console.log(`\n${summary}\n`);
for (const [n, s] of ordered) {
  if (s.rows.length === 0) continue;
  console.log(`${n}. ${s.title}`);
  for (const r of s.rows) {
    console.log(
      `  ${r.operation.padEnd(40)} ${r.variant.padEnd(32)} median ${r.medianMs.toFixed(3).padStart(10)} ms  p95 ${r.p95Ms.toFixed(3).padStart(10)} ms  ${r.ratio === null ? 'baseline' : `${r.ratio.toFixed(2)}x`}`,
    );
  }
}
log(`done in ${totalS.toFixed(0)} s; wrote ${out}`);

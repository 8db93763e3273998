/**
 * Case 3: counting. `count` (exact, `count(*)` in the database) and `count` capped at 10,000
 * (`select count(*) from (select 1 ... limit 10001)`) against the seed's "fetch every row, take
 * the length", at each size; and at the largest size, an exact `count(*)` under RLS against the
 * same count without RLS, as shipped and with the policy helpers marked PARALLEL SAFE (a what-if
 * measured in this disposable database, then undone: the platform's functions are not the
 * benchmark's to change).
 */
import { DEFAULT_COUNT_CAP } from '@dramac/module-db';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { createDatabaseSDK } from '@dramac/module-sdk';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { BigData } from '../big-data';
import type { BenchConfig } from '../config';
import { bigModule } from '../modules';
import { explainInContext, pgInContext, type RawContext } from '../raw-context';
import { type ResultRow, ratio, rowsFor, type Section, type TargetResult, table } from '../report';
import { interleaved, median, nowMs } from '../stats';

const FLAT = 1.5;
/** A cap below the smallest size, so every size counts the same number of rows. */
const SMALL_CAP = 1_000;
const RLS_TARGET = 1.2;

/** The platform's policy helpers (public.dramac_current_* and dramac_can_access_current_site). */
async function policyHelpers(db: Kysely<any>) {
  const { rows } = await sql<{ signature: string; parallel: string }>`
    select p.oid::regprocedure::text as signature, p.proparallel as parallel
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public'
      and (p.proname like 'dramac\\_current\\_%' or p.proname in ('dramac_can_access_current_site', 'dramac_visitor_can_access_current_site'))
    order by 1`.execute(db);
  return rows;
}

export async function countCase(
  db: Kysely<any>,
  url: string,
  data: BigData,
  config: BenchConfig,
): Promise<Section> {
  const started = nowMs();
  const pool = new pg.Pool({ connectionString: url, max: 4, pipeline: true } as pg.PoolConfig);
  pool.on('error', () => undefined);
  const rawPool = new pg.Pool({ connectionString: url, max: 4 });
  rawPool.on('error', () => undefined);
  const transport = createPostgresTransport(pool);
  const rows: ResultRow[] = [];
  const explains: { title: string; plan: string }[] = [];
  const exactMedians: number[] = [];
  const cappedMedians: number[] = [];
  const smallCapMedians: number[] = [];
  const fetchMedians: number[] = [];
  const correctness: string[][] = [];
  const targets: TargetResult[] = [];
  const sizes = config.count.sizes;
  try {
    // Every count of every size interleaved round by round (a drift of the machine, or the garbage
    // of a fetch-all, lands on every size alike); the fetch-alls after.
    const sdks = sizes.map((_size, i) =>
      createDatabaseSDK({
        definition: bigModule(data.moduleId),
        siteId: data.countSites[i] as string,
        userId: data.platform.userId,
        transport,
      }),
    );
    const names = {
      exact: 'sdk.count() (exact)',
      capped: `sdk.count(, { mode: 'capped' }) (cap ${DEFAULT_COUNT_CAP.toLocaleString('en-US')})`,
      small: `sdk.count(, { mode: 'capped', cap: ${SMALL_CAP.toLocaleString('en-US')} })`,
    };
    for (const [i, size] of sizes.entries()) {
      const sdk = sdks[i] as (typeof sdks)[number];
      const exact = await sdk.count('events');
      const capped = await sdk.count('events', undefined, { mode: 'capped' });
      const expected = {
        count: Math.min(size, DEFAULT_COUNT_CAP),
        capped: size > DEFAULT_COUNT_CAP,
      };
      if (exact !== size || JSON.stringify(capped) !== JSON.stringify(expected)) {
        throw new Error(`site of ${size} rows counts ${exact}, capped ${JSON.stringify(capped)}`);
      }
      correctness.push([size.toLocaleString('en-US'), String(exact), JSON.stringify(capped)]);
    }
    const allTimes = await interleaved(
      sdks.flatMap((sdk, i) => [
        { name: `${i}\u0001${names.exact}`, run: () => sdk.count('events') },
        {
          name: `${i}\u0001${names.capped}`,
          run: () => sdk.count('events', undefined, { mode: 'capped' }),
        },
        {
          name: `${i}\u0001${names.small}`,
          run: () => sdk.count('events', undefined, { mode: 'capped', cap: SMALL_CAP }),
        },
      ]),
      3,
      config.count.countSamples,
    );
    for (const [i, size] of sizes.entries()) {
      const sdk = sdks[i] as (typeof sdks)[number];
      const times = new Map(
        Object.values(names).map((name) => [name, allTimes.get(`${i}\u0001${name}`) ?? []]),
      );
      const fetchTimes: number[] = [];
      await sdk.find('events'); // warm-up
      for (let k = 0; k < config.count.fetchSamples; k++) {
        const t0 = nowMs();
        const all = await sdk.find('events');
        if (all.length !== size) throw new Error(`fetched ${all.length}, expected ${size}`);
        fetchTimes.push(nowMs() - t0);
      }
      const [exactName, cappedName, smallName] = [...times.keys()] as [string, string, string];
      const label = `${size.toLocaleString('en-US')} rows`;
      rows.push(
        ...rowsFor(
          label,
          new Map([
            ['seed: find() then .length', fetchTimes],
            [exactName, times.get(exactName) ?? []],
            [cappedName, times.get(cappedName) ?? []],
            [smallName, times.get(smallName) ?? []],
          ]),
          'seed: find() then .length',
          {
            [exactName]: 'count(*) under RLS, one row back',
            [cappedName]: `count(*) of at most ${(DEFAULT_COUNT_CAP + 1).toLocaleString('en-US')} rows`,
            [smallName]: `count(*) of at most ${(SMALL_CAP + 1).toLocaleString('en-US')} rows`,
          },
        ),
      );
      exactMedians.push(median(times.get(exactName) ?? []));
      cappedMedians.push(median(times.get(cappedName) ?? []));
      smallCapMedians.push(median(times.get(smallName) ?? []));
      fetchMedians.push(median(fetchTimes));
      const context: RawContext = { role: sdk.context.role, claims: sdk.context.claims };
      const text = `select count(*) from "${data.schema}"."events" where site_id = $1`;
      explains.push({
        title: `exact count, ${label}`,
        plan: `-- ${text}\n${await explainInContext(rawPool, context, text, [data.countSites[i]])}`,
      });
      // The statement the SDK sends for a capped count of the whole site, cap 1,000.
      const cappedText = `select count(*) from (select 1 from "${data.schema}"."events" where site_id = $1 order by id limit ${SMALL_CAP + 1}) s`;
      explains.push({
        title: `capped count (cap ${SMALL_CAP.toLocaleString('en-US')}), ${label}`,
        plan: `-- ${cappedText}\n${await explainInContext(rawPool, context, cappedText, [data.countSites[i]])}`,
      });
    }

    // Exact count of the largest site under RLS and without, as shipped and with the helpers
    // PARALLEL SAFE (what-if).
    const last = sizes.length - 1;
    const site = data.countSites[last] as string;
    const ours: RawContext = {
      role: data.role,
      claims: { role: data.role, site_id: site, sub: data.platform.userId },
    };
    const admin: RawContext = { role: data.adminRole, claims: { role: data.adminRole } };
    const text = `select count(*) from "${data.schema}"."events" where site_id = $1`;
    const rlsRun = (label: string) =>
      interleaved(
        [
          {
            name: `${label}: RLS (module role)`,
            run: () => pgInContext(rawPool, ours, text, [site]),
          },
          {
            name: `${label}: no site check (admin role)`,
            run: () => pgInContext(rawPool, admin, text, [site]),
          },
        ],
        2,
        config.count.countSamples,
      );
    const helpers = await policyHelpers(db);
    const shipped = await rlsRun('as shipped');
    const check = await pgInContext(rawPool, ours, text, [site]);
    const parallelRows: string[][] = [];
    let whatIf: Map<string, number[]> | undefined;
    try {
      for (const h of helpers)
        await sql`alter function ${sql.raw(h.signature)} parallel safe`.execute(db);
      whatIf = await rlsRun('helpers PARALLEL SAFE (what-if)');
      const again = await pgInContext(rawPool, ours, text, [site]);
      const other = await pgInContext(
        rawPool,
        { ...ours, claims: { ...ours.claims, site_id: data.countSites[0] } },
        text,
        [site],
      );
      parallelRows.push([
        'what-if result check',
        `own site ${again.rows[0]?.count} (as shipped ${check.rows[0]?.count}); another site's context asking for these rows: ${other.rows[0]?.count}`,
      ]);
      explains.push({
        title: `exact count under RLS, ${sizes[last]?.toLocaleString('en-US')} rows, helpers PARALLEL SAFE (what-if)`,
        plan: `-- ${text}\n${await explainInContext(rawPool, ours, text, [site])}`,
      });
    } finally {
      for (const h of helpers)
        await sql`alter function ${sql.raw(h.signature)} parallel ${sql.raw(h.parallel === 's' ? 'safe' : h.parallel === 'r' ? 'restricted' : 'unsafe')}`.execute(
          db,
        );
    }
    const label = `${sizes[last]?.toLocaleString('en-US')} rows: count(*) under RLS vs without`;
    const all = new Map([...shipped, ...(whatIf ?? [])]);
    const base = [...shipped.keys()][1] as string;
    rows.push(...rowsFor(label, all, base));
    const rlsRatio =
      median(shipped.get([...shipped.keys()][0] as string) ?? []) / median(shipped.get(base) ?? []);
    const whatIfKeys = [...(whatIf?.keys() ?? [])];
    const whatIfRatio = whatIf
      ? median(whatIf.get(whatIfKeys[0] as string) ?? []) /
        median(whatIf.get(whatIfKeys[1] as string) ?? [])
      : Number.NaN;

    const smallFirst = smallCapMedians[0] as number;
    const smallLast = smallCapMedians[last] as number;
    targets.push(
      {
        target: `capped count flat in row count: cap ${SMALL_CAP.toLocaleString('en-US')}, median at ${sizes[last]?.toLocaleString('en-US')} rows <= ${FLAT}x the median at ${sizes[0]?.toLocaleString('en-US')} (every size counts about ${SMALL_CAP.toLocaleString('en-US')} rows)`,
        met: smallLast / smallFirst <= FLAT,
        figure: `${ratio(smallLast / smallFirst)} (${smallCapMedians.map((m) => `${m.toFixed(2)} ms`).join(' / ')})`,
      },
      {
        target: `capped count, default cap ${DEFAULT_COUNT_CAP.toLocaleString('en-US')} (reported: bounded by the ${(DEFAULT_COUNT_CAP + 1).toLocaleString('en-US')} rows it counts at most)`,
        met: null,
        figure: `${cappedMedians.map((m) => `${m.toFixed(2)} ms`).join(' / ')}; exact count at the largest size ${ratio((exactMedians[last] as number) / (cappedMedians[last] as number))} slower`,
      },
      {
        target: `exact count (reported: grows with the rows it counts)`,
        met: null,
        figure: `${exactMedians.map((m) => `${m.toFixed(2)} ms`).join(' / ')}; fetch-all ${fetchMedians.map((m) => `${m.toFixed(0)} ms`).join(' / ')}`,
      },
      {
        target: `RLS count(*) at ${sizes[last]?.toLocaleString('en-US')} rows <= ${RLS_TARGET}x no-RLS`,
        met: rlsRatio <= RLS_TARGET,
        figure: `${ratio(rlsRatio)} as shipped (policy helpers ${helpers.every((h) => h.parallel === 'r') ? 'PARALLEL RESTRICTED: evaluated once in the leader, parallel workers allowed' : `proparallel ${helpers.map((h) => h.parallel).join('')}`}); ${ratio(whatIfRatio)} with the helpers marked PARALLEL SAFE (what-if)`,
      },
    );
    return {
      title: 'Counting: exact, capped, and fetch-all',
      intro: [
        `\`events\`: three sites of the user's agency hold ${sizes.map((s) => s.toLocaleString('en-US')).join(', ')} rows (plus other sites' rows). Every variant goes through the SDK on the Postgres transport (a \`pg\` pool in pipeline mode) as the module role (RLS on). The seed's \`count\` was \`(await this.find(table, { where })).length\`: here \`sdk.find('events')\` without a limit, then \`.length\`. The capped count counts at most cap + 1 rows and answers \`{ count, capped }\`. Each site's rows were written in one block, the largest site's last, after the other two (${sizes
          .slice(0, -1)
          .reduce((a, b) => a + b, 0)
          .toLocaleString(
            'en-US',
          )} rows): a capped count of a whole site goes in the order of its key, so the primary key's index \`(site_id, id)\` yields the site's first rows at once (see the plan) and the count reads at most cap + 1 index entries, plus as many heap rows on pages not yet all-visible (none here: the load is vacuumed); unordered, PostgreSQL would expect a sequential scan to meet them as soon and read the other sites' block first, a cost that grows with what is stored before the site. ${config.count.countSamples} samples of each count, every variant of every size interleaved round by round (a drift of the machine lands on every size alike), then ${config.count.fetchSamples} fetch samples per size, after warm-up. Ratios are against the fetch-all at the same size.`,
        `The last rows compare an exact \`count(*)\` of the largest site as the module role (RLS) and as the module's admin role (no site check: its \`dramac_admin_access\` policy is \`true\`), raw \`pg\` in a transaction; the platform's policy helpers (${helpers.map((h) => `\`${h.signature}\``).join(', ')}) ship PARALLEL RESTRICTED (policies call them as InitPlans, which the leader evaluates once and hands to the workers); then the same with the helpers altered to PARALLEL SAFE in this disposable database (a what-if: workers could call them themselves), and back. There is no planner-estimate count: under RLS the estimate is not the caller's row count.`,
      ],
      rows,
      extra: [
        table(['rows on the site', 'exact count', 'capped count'], correctness),
        ...(parallelRows.length ? [table(['', ''], parallelRows)] : []),
      ],
      targets,
      explains,
      elapsedMs: nowMs() - started,
    };
  } finally {
    await pool.end();
    await rawPool.end();
  }
}

/** Case 3: `count` (count(*) in the database) against the seed's "fetch every row, take the length". */
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { createDatabaseSDK } from '@dramac/module-sdk';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { BigData } from '../big-data';
import type { BenchConfig } from '../config';
import { bigModule } from '../modules';
import { explainInContext } from '../raw-context';
import { type ResultRow, ratio, rowsFor, type Section, type TargetResult } from '../report';
import { median, nowMs } from '../stats';

const FLAT = 1.5;

export async function countCase(
  db: Kysely<any>,
  pool: pg.Pool,
  data: BigData,
  config: BenchConfig,
): Promise<Section> {
  const started = nowMs();
  const rows: ResultRow[] = [];
  const explains: { title: string; plan: string }[] = [];
  const countMedians: number[] = [];
  const fetchMedians: number[] = [];
  for (const [i, size] of config.count.sizes.entries()) {
    const sdk = createDatabaseSDK({
      definition: bigModule(data.moduleId),
      siteId: data.countSites[i] as string,
      userId: data.platform.userId,
      transport: createPostgresTransport(db),
    });
    const counted = await sdk.count('events');
    if (counted !== size) throw new Error(`site of size ${size} counts ${counted}`);
    const countTimes: number[] = [];
    for (let k = 0; k < 3; k++) await sdk.count('events');
    for (let k = 0; k < config.count.countSamples; k++) {
      const t0 = nowMs();
      await sdk.count('events');
      countTimes.push(nowMs() - t0);
    }
    const fetchTimes: number[] = [];
    await sdk.find('events'); // warm-up
    for (let k = 0; k < config.count.fetchSamples; k++) {
      const t0 = nowMs();
      const all = await sdk.find('events');
      if (all.length !== size) throw new Error(`fetched ${all.length}, expected ${size}`);
      fetchTimes.push(nowMs() - t0);
    }
    const label = `${size.toLocaleString('en-US')} rows`;
    rows.push(
      ...rowsFor(
        label,
        new Map([
          ['seed: find() then .length', fetchTimes],
          ['sdk.count()', countTimes],
        ]),
        'seed: find() then .length',
        { 'sdk.count()': 'count(*) under RLS, one row back' },
      ),
    );
    countMedians.push(median(countTimes));
    fetchMedians.push(median(fetchTimes));
    const context = { role: sdk.context.role, claims: sdk.context.claims };
    const text = `select count(*) from "${data.schema}"."events" where site_id = $1`;
    explains.push({
      title: `count, ${label}`,
      plan: `-- ${text}\n${await explainInContext(pool, context, text, [data.countSites[i]])}`,
    });
    if (i === config.count.sizes.length - 1) {
      const fetch = `select to_jsonb(r) as row from (select * from "${data.schema}"."events" where site_id = $1) as r`;
      explains.push({
        title: `fetch all (what the seed's count runs), ${label}`,
        plan: `-- ${fetch}\n${await explainInContext(pool, context, fetch, [data.countSites[i]])}`,
      });
    }
  }
  const first = countMedians[0] as number;
  const last = countMedians[countMedians.length - 1] as number;
  const growth = last / first;
  const sizes = config.count.sizes;
  const targets: TargetResult[] = [
    {
      target: `count flat in row count (median at ${sizes[sizes.length - 1]?.toLocaleString('en-US')} rows <= ${FLAT}x the median at ${sizes[0]?.toLocaleString('en-US')})`,
      met: growth <= FLAT,
      figure: `${ratio(growth)} (${countMedians.map((m) => `${m.toFixed(2)} ms`).join(' / ')}); fetch-all grows ${ratio((fetchMedians[fetchMedians.length - 1] as number) / (fetchMedians[0] as number))}`,
    },
    {
      target: `count faster than fetch-all at ${sizes[sizes.length - 1]?.toLocaleString('en-US')} rows (reported)`,
      met: last < (fetchMedians[fetchMedians.length - 1] as number),
      figure: `${ratio((fetchMedians[fetchMedians.length - 1] as number) / last)} faster`,
    },
  ];
  return {
    title: 'count vs fetch-all',
    intro: [
      `\`events\`: three sites of the user's agency hold ${sizes.map((s) => s.toLocaleString('en-US')).join(', ')} rows (plus other sites' rows). Both variants go through the SDK on the Postgres transport as the module role (RLS on). The seed's \`count\` was \`(await this.find(table, { where })).length\`: here \`sdk.find('events')\` without a limit, then \`.length\`. ${config.count.countSamples} count samples and ${config.count.fetchSamples} fetch samples per size, after warm-up. Ratios are against the fetch-all at the same size.`,
    ],
    rows,
    extra: [],
    targets,
    explains,
    elapsedMs: nowMs() - started,
  };
}

/**
 * Case 1: SDK calls on the Postgres transport against the one-round-trip floor: the very
 * statements the transport sends (the request context and the data statement, captured from the
 * SDK), sent by raw `pg` as one simple-protocol string in a transaction. Beside it: the same
 * statements in 4 round trips (what the transport did before), pipelined as named prepared
 * statements by raw `pg` (what the driver alone achieves), and the SDK over a Kysely instance
 * (the transport's 4-round-trip form). RLS is on for all: every variant runs as the module role.
 */
import { provisionModuleDatabase } from '@dramac/module-db';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { createDatabaseSDK } from '@dramac/module-sdk';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import postgres from 'postgres';
import type { BenchConfig } from '../config';
import { benchModuleId, crmLike } from '../modules';
import { postgresJsPipelined, postgresJsPool } from '../postgres-js';
import {
  capturingPool,
  pgFourRoundTrips,
  pgOneRoundTrip,
  pgPipelinedPrepared,
  type RawStatement,
} from '../raw-context';
import { type ResultRow, ratio, rowsFor, type Section, table } from '../report';
import { createPlatform, installOnSites } from '../setup';
import { blockRatios, bootstrapRatio, interleaved, median, nowMs } from '../stats';

const TARGET = 1.2;
const FLOOR = 'raw pg, 1 round trip (floor)';
const SDK = 'SDK, pg pool (1 round trip)';
const BLOCKS = 10;

export async function sdkOverhead(
  url: string,
  config: BenchConfig,
  runTag: string,
): Promise<Section> {
  const started = nowMs();
  const rawPool = new pg.Pool({ connectionString: url, max: 4 });
  const pipePool = new pg.Pool({ connectionString: url, max: 4, pipeline: true } as pg.PoolConfig);
  const capturePool = new pg.Pool({
    connectionString: url,
    max: 1,
    pipeline: true,
  } as pg.PoolConfig);
  for (const p of [rawPool, pipePool, capturePool]) p.on('error', () => undefined);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: rawPool }) });
  const pj = postgres(url, { max: 4, onnotice: () => undefined });
  try {
    const platform = await createPlatform(db, 10);
    const moduleId = benchModuleId(`${runTag}a`, 1);
    const definition = crmLike(moduleId);
    const provisioned = await provisionModuleDatabase(db, definition);
    await installOnSites(db, moduleId, provisioned.shortId, platform.sites);
    const schema = provisioned.schemaName;
    const perSite = config.sdk.rowsPerSite;
    await sql`
      insert into ${sql.id(schema, 'contacts')} (site_id, first_name, last_name, email, status, lead_score, created_at)
      select s.id, 'First' || g, 'Last' || g, 'c' || g || '@bench.test',
        (array['lead', 'qualified', 'customer', 'churned'])[1 + g % 4], g % 101, now() - g * interval '1 minute'
      from unnest(${platform.sites}::uuid[]) s(id), generate_series(1, ${perSite}::int) g`.execute(
      db,
    );
    await sql`vacuum analyze ${sql.id(schema, 'contacts')}`.execute(db);

    const site = platform.sites[0] as string;
    const sdkOn = (transport: ReturnType<typeof createPostgresTransport>) =>
      createDatabaseSDK({ definition, siteId: site, userId: platform.userId, transport });
    const sdk = sdkOn(createPostgresTransport(pipePool));
    const sdkKysely = sdkOn(createPostgresTransport(db));
    const sdkPostgresJs = sdkOn(createPostgresTransport(postgresJsPool(pj)));
    const captured: RawStatement[] = [];
    const sdkCapture = sdkOn(createPostgresTransport(capturingPool(capturePool, captured)));
    const { rows: idRows } = await sql<{ id: string }>`
      select id::text from ${sql.id(schema, 'contacts')} where site_id = ${site} order by id limit 500`.execute(
      db,
    );
    const ids = idRows.map((r) => r.id);
    const idAt = (i: number) => ids[i % ids.length] as string;
    const email = (tag: string, i: number) => `new-${tag}-${i}@bench.test`;
    type Sdk = typeof sdk;

    /** Each operation: the SDK call, and the parameter values the SDK sends for it. */
    interface Operation {
      name: string;
      sdk: (s: Sdk, i: number, tag: string) => Promise<unknown>;
      params: (i: number, tag: string) => unknown[];
    }
    const leads = {
      where: { status: 'lead', lead_score: { gte: 50 } },
      orderBy: { column: 'created_at', ascending: false },
      limit: 50,
    } as const;
    const operations: Operation[] = [
      {
        name: 'findById',
        sdk: (s, i) => s.findById('contacts', idAt(i)),
        params: (i) => [idAt(i), site, 1],
      },
      {
        name: 'find: 2 filters, order, limit 50',
        sdk: (s) => s.find('contacts', leads),
        params: () => ['lead', 50, site, 50],
      },
      {
        name: 'createOne',
        sdk: (s, i, tag) =>
          s.createOne('contacts', {
            first_name: 'New',
            last_name: 'Contact',
            email: email(tag, i),
          }),
        params: (i, tag) => ['New', 'Contact', email(tag, i), site],
      },
      {
        name: 'updateById',
        sdk: (s, i) => s.updateById('contacts', idAt(i), { lead_score: i % 101 }),
        params: (i) => [i % 101, idAt(i), site],
      },
      {
        name: 'count with a filter',
        sdk: (s) => s.count('contacts', { status: 'customer' }),
        params: () => ['customer', site],
      },
    ];

    const rows: ResultRow[] = [];
    const sent: string[][] = [];
    const targets = [];
    for (const op of operations) {
      // The exact statements the SDK sends: BEGIN, the context, the statement, COMMIT.
      captured.length = 0;
      await op.sdk(sdkCapture, 0, 'capture');
      const [begin, context, main, commit] = captured;
      if (captured.length !== 4 || begin?.text !== 'begin' || commit?.text !== 'commit') {
        throw new Error(`${op.name}: the SDK sent ${JSON.stringify(captured.map((c) => c.text))}`);
      }
      if (!context || !main) throw new Error('unreachable');
      if (JSON.stringify(main.values) !== JSON.stringify(op.params(0, 'capture'))) {
        throw new Error(
          `${op.name}: the SDK sent ${JSON.stringify(main.values)}, the baselines would send ${JSON.stringify(op.params(0, 'capture'))}`,
        );
      }
      sent.push([op.name, `\`${main.text}\``]);
      const statement = (i: number, tag: string): RawStatement => ({
        text: main.text,
        values: op.params(i, tag),
      });
      const times = await interleaved(
        [
          { name: SDK, run: (i) => op.sdk(sdk, i, 'sdk') },
          { name: 'SDK, Kysely (4 round trips)', run: (i) => op.sdk(sdkKysely, i, 'kysely') },
          { name: FLOOR, run: (i) => pgOneRoundTrip(rawPool, context, statement(i, 'floor')) },
          {
            name: 'raw pg, 4 round trips',
            run: (i) => pgFourRoundTrips(rawPool, context, statement(i, 'four')),
          },
          {
            name: 'raw pg, pipelined prepared',
            run: (i) => pgPipelinedPrepared(pipePool, context, statement(i, 'pipe')),
          },
          {
            name: 'SDK, postgres.js (1 round trip)',
            run: (i) => op.sdk(sdkPostgresJs, i, 'pjs'),
          },
          {
            name: 'raw postgres.js, pipelined prepared',
            run: (i) => postgresJsPipelined(pj, context, statement(i, 'pjraw')),
          },
        ],
        config.sdk.warmup,
        config.sdk.samples,
      );
      rows.push(
        ...rowsFor(op.name, times, FLOOR, {
          [SDK]: 'the target: one round trip, named prepared statements',
          'SDK, Kysely (4 round trips)': 'createPostgresTransport(kysely): the 4-round-trip form',
          [FLOOR]: 'the same statements as one simple-protocol string, values inlined',
          'raw pg, 4 round trips':
            'BEGIN, context, statement, COMMIT awaited one by one (the transport before)',
          'raw pg, pipelined prepared': 'the driver alone: pipeline mode, named statements',
          'SDK, postgres.js (1 round trip)':
            'driver comparison: the same transport over postgres.js reserved connections',
          'raw postgres.js, pipelined prepared': 'driver comparison: postgres.js alone',
        }),
      );
      const floor = times.get(FLOOR) ?? [];
      const sdkTimes = times.get(SDK) ?? [];
      const r = median(sdkTimes) / median(floor);
      const spread = blockRatios(sdkTimes, floor, BLOCKS);
      const [low, high] = bootstrapRatio(sdkTimes, floor);
      const four = median(times.get('raw pg, 4 round trips') ?? []) / median(floor);
      targets.push({
        target: `SDK ${op.name} median <= ${TARGET}x the one-round-trip floor`,
        met: r <= TARGET,
        figure: `${ratio(r)} (95% bootstrap interval ${ratio(low)} to ${ratio(high)}; ${BLOCKS} blocks of ${Math.floor(sdkTimes.length / BLOCKS)} rounds: ${ratio(Math.min(...spread))} to ${ratio(Math.max(...spread))}); raw pg in 4 round trips: ${ratio(four)}`,
      });
    }
    return {
      title: 'SDK calls against the one-round-trip floor (Postgres transport, RLS on)',
      intro: [
        `One CRM-like \`system\` module; \`contacts\` holds ${perSite.toLocaleString('en-US')} rows on each of 10 sites (${(perSite * 10).toLocaleString('en-US')} rows). Every variant runs as the module role \`${sdk.context.role}\` with the same claims, set with \`set_config(..., true)\` inside a transaction, one call at a time, on pools of at most 4 connections. Variants are interleaved round by round; ${config.sdk.warmup} warm-up calls and ${config.sdk.samples} samples per variant and operation.`,
        `The baseline is the **floor**: the statements the SDK sends (captured from it: BEGIN, the context statement with the six settings, the data statement, COMMIT) sent by raw \`pg\` as one simple-protocol string, one round trip. The SDK's own figure is \`createPostgresTransport(pool)\` on a \`pg\` pool in pipeline mode. "raw pg, 4 round trips" is the same statements awaited one by one, as the transport sent them before; "raw pg, pipelined prepared" is what the driver alone does with them (the SDK's overhead is the gap between it and the SDK). The spread of each target's ratio is given two ways: a 95% bootstrap interval of the ratio of medians (how far it could move on a rerun with the machine in the same state: a target whose threshold lies outside it does not flip), and the range of the ratio over ${BLOCKS} consecutive blocks of rounds (how much the machine's load moved it during the run). The two postgres.js rows compare drivers: the same transport code over postgres.js reserved connections (an adapter in \`bench/src/postgres-js.ts\`), and postgres.js alone pipelining the same prepared statements.`,
      ],
      rows,
      extra: [
        '**The data statement the SDK sends** (the baselines send the same):',
        table(['operation', 'statement'], sent),
      ],
      targets,
      explains: [],
      elapsedMs: nowMs() - started,
    };
  } finally {
    await db.destroy();
    await pj.end({ timeout: 1 });
    await pipePool.end();
    await capturePool.end();
  }
}

/**
 * Case 1: the SDK on the Postgres transport against the same queries through raw Kysely and raw
 * pg, on one pool, with the same role and claims set in the same kind of transaction, so RLS is
 * on for all of them.
 */
import { provisionModuleDatabase } from '@dramac/module-db';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { createDatabaseSDK } from '@dramac/module-sdk';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { BenchConfig } from '../config';
import { benchModuleId, crmLike } from '../modules';
import { kyselyInContext, pgInContext, pgOneRoundTrip, type RawContext } from '../raw-context';
import { type ResultRow, ratio, rowsFor, type Section, table } from '../report';
import { createPlatform, installOnSites } from '../setup';
import { interleaved, median, nowMs } from '../stats';

const TARGET = 1.3;

export async function sdkOverhead(
  url: string,
  config: BenchConfig,
  runTag: string,
): Promise<Section> {
  const started = nowMs();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  // The SDK's own SQL, captured once through a logging instance on the same pool.
  const captured: { sql: string; parameters: readonly unknown[] }[] = [];
  const capturePool = new pg.Pool({ connectionString: url, max: 1 });
  capturePool.on('error', () => undefined);
  const capture = new Kysely<any>({
    dialect: new PostgresDialect({ pool: capturePool }),
    log: (event) => {
      if (event.level === 'query')
        captured.push({ sql: event.query.sql, parameters: event.query.parameters });
    },
  });
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
    const sdk = createDatabaseSDK({
      definition,
      siteId: site,
      userId: platform.userId,
      transport: createPostgresTransport(db),
    });
    const sdkCapture = createDatabaseSDK({
      definition,
      siteId: site,
      userId: platform.userId,
      transport: createPostgresTransport(capture),
    });
    const context: RawContext = { role: sdk.context.role, claims: sdk.context.claims };
    const { rows: idRows } = await sql<{ id: string }>`
      select id::text from ${sql.id(schema, 'contacts')} where site_id = ${site} order by id limit 500`.execute(
      db,
    );
    const ids = idRows.map((r) => r.id);
    const idAt = (i: number) => ids[i % ids.length] as string;
    const t = (trx: Kysely<any>) => trx.withSchema(schema);
    const asJson = (alias: string) => sql`to_jsonb(${sql.id(alias)})`;

    /** Each operation: the SDK call, the Kysely query (built as the transport builds it), and its pg parameters. */
    interface Operation {
      name: string;
      sdk: (i: number) => Promise<unknown>;
      kysely: (
        trx: Kysely<any>,
        i: number,
      ) => {
        execute(): Promise<unknown>;
        compile(): { sql: string; parameters: readonly unknown[] };
      };
      params: (i: number) => unknown[];
    }
    const email = (variant: string, i: number) => `new-${variant}-${i}@bench.test`;
    const operations: Operation[] = [
      {
        name: 'findById',
        sdk: (i) => sdk.findById('contacts', idAt(i)),
        kysely: (trx, i) =>
          trx
            .selectFrom(
              t(trx)
                .selectFrom('contacts')
                .where((eb) => eb.and([eb('id', '=', idAt(i)), eb('site_id', '=', site)]))
                .selectAll()
                .limit(1)
                .as('r'),
            )
            .select(asJson('r').as('row')),
        params: (i) => [idAt(i), site, 1],
      },
      {
        name: 'find: 2 filters, order, limit 50',
        sdk: () =>
          sdk.find('contacts', {
            where: { status: 'lead', lead_score: { gte: 50 } },
            orderBy: { column: 'created_at', ascending: false },
            limit: 50,
          }),
        kysely: (trx) =>
          trx
            .selectFrom(
              t(trx)
                .selectFrom('contacts')
                .where((eb) =>
                  eb.and([
                    eb('status', '=', 'lead'),
                    eb('lead_score', '>=', 50),
                    eb('site_id', '=', site),
                  ]),
                )
                .selectAll()
                .orderBy('created_at', 'desc')
                .limit(50)
                .as('r'),
            )
            .select(asJson('r').as('row')),
        params: () => ['lead', 50, site, 50],
      },
      {
        name: 'createOne',
        sdk: (i) =>
          sdk.createOne('contacts', {
            first_name: 'New',
            last_name: 'Contact',
            email: email('sdk', i),
          }),
        kysely: (trx, i) =>
          trx
            .with('w', (qb) =>
              t(qb as Kysely<any>)
                .insertInto('contacts')
                .values({
                  first_name: 'New',
                  last_name: 'Contact',
                  email: email('raw', i),
                  site_id: site,
                })
                .returningAll(),
            )
            .selectFrom('w')
            .select(asJson('w').as('row')),
        params: (i) => ['New', 'Contact', email('raw', i), site],
      },
      {
        name: 'updateById',
        sdk: (i) => sdk.updateById('contacts', idAt(i), { lead_score: i % 101 }),
        kysely: (trx, i) =>
          trx
            .with('w', (qb) =>
              t(qb as Kysely<any>)
                .updateTable('contacts')
                .set({ lead_score: i % 101 })
                .where((eb) => eb.and([eb('id', '=', idAt(i)), eb('site_id', '=', site)]))
                .returningAll(),
            )
            .selectFrom('w')
            .select(asJson('w').as('row')),
        params: (i) => [i % 101, idAt(i), site],
      },
      {
        name: 'count with a filter',
        sdk: () => sdk.count('contacts', { status: 'customer' }),
        kysely: (trx) =>
          t(trx)
            .selectFrom('contacts')
            .where((eb) => eb.and([eb('status', '=', 'customer'), eb('site_id', '=', site)]))
            .select(sql<string>`count(*)`.as('n')),
        params: () => ['customer', site],
      },
    ];

    const rows: ResultRow[] = [];
    const sameSql: string[][] = [];
    const targets = [];
    for (const op of operations) {
      // The exact SQL the SDK sends, next to the baselines' SQL.
      captured.length = 0;
      const sdkOp = { ...op, sdk: op.sdk };
      await (op.name === 'findById'
        ? sdkCapture.findById('contacts', idAt(0))
        : op.name.startsWith('find')
          ? sdkCapture.find('contacts', {
              where: { status: 'lead', lead_score: { gte: 50 } },
              orderBy: { column: 'created_at', ascending: false },
              limit: 50,
            })
          : op.name === 'createOne'
            ? sdkCapture.createOne('contacts', {
                first_name: 'New',
                last_name: 'Contact',
                email: email('capture', 0),
              })
            : op.name === 'updateById'
              ? sdkCapture.updateById('contacts', idAt(0), { lead_score: 0 })
              : sdkCapture.count('contacts', { status: 'customer' }));
      const sdkSql =
        captured.find((q) => !/set_config|^(begin|commit|rollback)$/i.test(q.sql.trim()))?.sql ??
        '(not captured)';
      const compiled = op.kysely(db, 0).compile();
      const params = op.params(0);
      if (JSON.stringify(compiled.parameters) !== JSON.stringify(params)) {
        throw new Error(
          `${op.name}: pg parameters ${JSON.stringify(params)} differ from Kysely's ${JSON.stringify(compiled.parameters)}`,
        );
      }
      sameSql.push([op.name, sdkSql === compiled.sql ? 'identical' : 'DIFFERENT', `\`${sdkSql}\``]);
      const text = compiled.sql;
      const times = await interleaved(
        [
          { name: 'SDK (Postgres transport)', run: (i) => sdkOp.sdk(i) },
          // Offsets keep each variant's new emails distinct (unique per site).
          {
            name: 'raw Kysely',
            run: (i) =>
              kyselyInContext(db, context, (trx) => op.kysely(trx, i + 2_000_000).execute()),
          },
          {
            name: 'raw pg',
            run: (i) => pgInContext(pool, context, text, op.params(i + 4_000_000)),
          },
          {
            name: 'raw pg, 1 round trip',
            run: (i) => pgOneRoundTrip(pool, context, text, op.params(i + 6_000_000)),
          },
        ],
        config.sdk.warmup,
        config.sdk.samples,
      );
      const opRows = rowsFor(op.name, times, 'raw pg', {
        'raw pg': "BEGIN, set_config, query, COMMIT: the transport's 4 round trips",
        'raw pg, 1 round trip':
          'the same 4 statements in one simple-protocol string (informational floor)',
      });
      rows.push(...opRows);
      const r =
        median(times.get('SDK (Postgres transport)') ?? []) / median(times.get('raw pg') ?? []);
      targets.push({
        target: `SDK ${op.name} median <= ${TARGET}x raw pg`,
        met: r <= TARGET,
        figure: ratio(r),
      });
    }
    return {
      title: 'SDK overhead (Postgres transport vs raw Kysely vs raw pg, RLS on)',
      intro: [
        `One CRM-like \`system\` module; \`contacts\` holds ${perSite.toLocaleString('en-US')} rows on each of 10 sites (${(perSite * 10).toLocaleString('en-US')} rows). Every variant runs as the module role \`${context.role}\` with the same claims, set with \`set_config(..., true)\` in a transaction, on one \`pg\` pool (max 4), one call at a time. Variants are interleaved round by round; ${config.sdk.warmup} warm-up calls and ${config.sdk.samples} samples per variant and operation.`,
        'The baseline is raw `pg` doing exactly what the transport does on the wire (BEGIN, the context, the query, COMMIT). "raw pg, 1 round trip" sends the same four statements as one simple-protocol string: it shows what the round trips cost, it is not a target.',
      ],
      rows,
      extra: [
        "**SQL sent by the SDK, compared with the baselines' SQL** (the raw Kysely query is built the way the transport builds it; raw pg sends its compiled text):",
        table(['operation', 'baselines', 'SDK SQL'], sameSql),
      ],
      targets,
      explains: [],
      elapsedMs: nowMs() - started,
    };
  } finally {
    await capture.destroy().catch(() => undefined);
    await db.destroy();
  }
}

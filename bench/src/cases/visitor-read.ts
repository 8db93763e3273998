/**
 * Case 7: a site visitor's read beside a member's read of the same rows, through the SDK on the
 * Postgres transport (a `pg` pool in pipeline mode: one round trip per call). The visitor runs as
 * the module's visitor role `modvisitor_<id>` under the visitor policy (the site is public and the
 * module installed there), the member as `modrole_<id>` under the site policy (agency
 * membership); both select the same columns (the visitor's declared ones) of the same rows.
 */
import { provisionModuleDatabase, setSitePublic } from '@dramac/module-db';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { createDatabaseSDK, defineModule } from '@dramac/module-sdk';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { BenchConfig } from '../config';
import { benchModuleId } from '../modules';
import { type ResultRow, ratio, rowsFor, type Section } from '../report';
import { createPlatform, installOnSites } from '../setup';
import { blockRatios, bootstrapRatio, interleaved, median, nowMs } from '../stats';

const TARGET = 1.1;
const MEMBER = 'member (modrole, site policy)';
const VISITOR = 'visitor (modvisitor, visitor policy)';
const BLOCKS = 10;

function shopModule(moduleId: string) {
  return defineModule({
    moduleId,
    moduleType: 'system',
    version: '1.0.0',
    name: 'Bench shop',
    tables: [
      {
        name: 'products',
        columns: [
          { name: 'name', type: 'text' },
          { name: 'price', type: 'numeric(10,2)' },
          { name: 'cost', type: 'numeric(10,2)', nullable: true },
          { name: 'created_at', type: 'timestamptz', default: 'now()' },
        ],
        indexes: [{ columns: ['name'] }],
        visitors: { read: ['id', 'name', 'price', 'created_at'] },
      },
    ],
  });
}

export async function visitorRead(
  url: string,
  config: BenchConfig,
  runTag: string,
): Promise<Section> {
  const started = nowMs();
  const rawPool = new pg.Pool({ connectionString: url, max: 2 });
  const pipePool = new pg.Pool({ connectionString: url, max: 4, pipeline: true } as pg.PoolConfig);
  for (const p of [rawPool, pipePool]) p.on('error', () => undefined);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: rawPool }) });
  try {
    const platform = await createPlatform(db, 10);
    const moduleId = benchModuleId(`${runTag}e`, 1);
    const definition = shopModule(moduleId);
    const provisioned = await provisionModuleDatabase(db, definition);
    await installOnSites(db, moduleId, provisioned.shortId, platform.sites);
    const site = platform.sites[0] as string;
    await setSitePublic(db, site, true);
    const schema = provisioned.schemaName;
    const perSite = config.sdk.rowsPerSite;
    await sql`
      insert into ${sql.id(schema, 'products')} (site_id, name, price, cost, created_at)
      select s.id, 'Product ' || lpad(g::text, 6, '0'), (g % 500) + 0.99, g % 100, now() - g * interval '1 minute'
      from unnest(${platform.sites}::uuid[]) s(id), generate_series(1, ${perSite}::int) g`.execute(
      db,
    );
    await sql`vacuum analyze ${sql.id(schema, 'products')}`.execute(db);
    const { rows: idRows } = await sql<{ id: string }>`
      select id::text from ${sql.id(schema, 'products')} where site_id = ${site} order by id limit 500`.execute(
      db,
    );
    const ids = idRows.map((r) => r.id);
    const idAt = (i: number) => ids[i % ids.length] as string;

    const transport = createPostgresTransport(pipePool);
    const member = createDatabaseSDK({
      definition,
      siteId: site,
      userId: platform.userId,
      transport,
    });
    const visitor = createDatabaseSDK({ definition, siteId: site, visitor: true, transport });
    // The member selects exactly the visitor's columns: the same rows, the same bytes.
    const columns = ['id', 'site_id', 'name', 'price', 'created_at'] as const;

    interface Operation {
      readonly name: string;
      readonly member: (i: number) => Promise<unknown[]>;
      readonly visitor: (i: number) => Promise<unknown[]>;
    }
    const operations: Operation[] = [
      {
        name: 'find by id',
        member: (i) => member.find('products', { where: { id: idAt(i) }, select: columns }),
        visitor: (i) => visitor.find('products', { where: { id: idAt(i) }, select: columns }),
      },
      {
        name: 'find: filter, order by name, limit 50',
        member: () =>
          member.find('products', {
            where: { price: { lt: 100 } },
            select: columns,
            orderBy: { column: 'name' },
            limit: 50,
          }),
        visitor: () =>
          visitor.find('products', {
            where: { price: { lt: 100 } },
            select: columns,
            orderBy: { column: 'name' },
            limit: 50,
          }),
      },
      {
        name: 'count',
        member: async () => [await member.count('products')],
        visitor: async () => [await visitor.count('products')],
      },
    ];

    const rows: ResultRow[] = [];
    const targets = [];
    for (const op of operations) {
      // Same rows first: the comparison is only fair if both read the same thing.
      const [m, v] = [await op.member(0), await op.visitor(0)];
      if (JSON.stringify(m) !== JSON.stringify(v) || m.length === 0) {
        throw new Error(
          `${op.name}: the member read ${JSON.stringify(m).slice(0, 200)}, the visitor ${JSON.stringify(v).slice(0, 200)}`,
        );
      }
      const times = await interleaved(
        [
          { name: MEMBER, run: (i) => op.member(i) },
          { name: VISITOR, run: (i) => op.visitor(i) },
        ],
        config.sdk.warmup,
        config.sdk.samples,
      );
      rows.push(
        ...rowsFor(op.name, times, MEMBER, {
          [MEMBER]: 'baseline: a signed-in member of the site’s agency',
          [VISITOR]: 'a visitor of the public site: no user, declared columns',
        }),
      );
      const memberTimes = times.get(MEMBER) ?? [];
      const visitorTimes = times.get(VISITOR) ?? [];
      const r = median(visitorTimes) / median(memberTimes);
      const spread = blockRatios(visitorTimes, memberTimes, BLOCKS);
      const [low, high] = bootstrapRatio(visitorTimes, memberTimes);
      targets.push({
        target: `visitor ${op.name} median <= ${TARGET}x the member's`,
        met: r <= TARGET,
        figure: `${ratio(r)} (95% bootstrap interval ${ratio(low)} to ${ratio(high)}; ${BLOCKS} blocks: ${ratio(Math.min(...spread))} to ${ratio(Math.max(...spread))})`,
      });
    }
    return {
      title: 'A visitor read beside a member read of the same rows (Postgres transport)',
      intro: [
        `One \`system\` module; \`products\` holds ${perSite.toLocaleString('en-US')} rows on each of 10 sites; its definition declares \`visitors: { read: ['id', 'name', 'price', 'created_at'] }\`. Site 0 is public (\`setSitePublic\`) and the module is installed on every site. Both readers use the SDK over one \`pg\` pool in pipeline mode (one round trip per call) and select the same columns of the same rows (checked before timing).`,
        `The member runs as \`${member.context.role}\` under the site policy (\`dramac_can_access_current_site\`: agency membership and installation); the visitor as \`${visitor.context.role}\` under the visitor policy (\`dramac_visitor_can_access_current_site\`: the site is public and the module installed), with SELECT on its declared columns only. Variants interleaved round by round; ${config.sdk.warmup} warm-up calls and ${config.sdk.samples} samples each.`,
      ],
      rows,
      extra: [],
      targets,
      explains: [],
      elapsedMs: nowMs() - started,
    };
  } finally {
    await db.destroy();
    await pipePool.end();
  }
}

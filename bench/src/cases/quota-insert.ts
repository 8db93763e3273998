/**
 * Case 8: insert throughput with quotas on vs off. Two copies of one module (prefix strategy) on
 * the same sites: one as installed (the platform's counting triggers count every row and check
 * the row and byte limits), one with the counting triggers taken off (`dramac.quota_detach`, as a
 * superuser): everything else is the same. Inserts through the data client (Postgres transport),
 * one row per call and 100 rows per call, interleaved rounds.
 */
import { randomUUID } from 'node:crypto';
import { installModuleForSite, provisionModuleDatabase } from '@dramac/module-db';
import { createModuleDataClient } from '@dramac/module-db/client';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { connect } from '@dramac/test-db';
import { sql } from 'kysely';
import type { BenchConfig } from '../config';
import { ratio, rowsFor, type Section } from '../report';
import { createPlatform } from '../setup';
import { bootstrapRatio, interleaved, median, nowMs } from '../stats';

function notes(moduleId: string) {
  return {
    moduleId,
    moduleType: 'app' as const,
    version: '1.0.0',
    name: 'Quota bench',
    tables: [
      {
        name: 'notes',
        columns: [
          { name: 'title', type: 'text' as const },
          { name: 'body', type: 'text' as const, nullable: true },
          { name: 'score', type: 'integer' as const, default: '0' },
        ],
      },
    ],
  };
}

export async function quotaInsertCase(url: string, config: BenchConfig): Promise<Section> {
  const started = nowMs();
  const db = connect(url, 2);
  try {
    const platform = await createPlatform(db, 2);
    const on = notes(randomUUID());
    const off = notes(randomUUID());
    for (const def of [on, off]) {
      await provisionModuleDatabase(db, def as any, { actor: 'bench' });
      for (const site of platform.sites) await installModuleForSite(db, def.moduleId, site);
    }
    const offShort = off.moduleId.replaceAll('-', '').slice(0, 8);
    await sql`select dramac.quota_detach(${offShort})`.execute(db);
    const { rows: left } = await sql<{ n: number }>`
      select count(*)::int as n from pg_trigger where tgrelid = ${`public.mod_${offShort}_notes`}::regclass
        and tgfoid = 'public.dramac_count_usage()'::regprocedure`.execute(db);
    if (left[0]?.n !== 0) throw new Error('the counting triggers are still on the "off" module');
    const transport = createPostgresTransport(db);
    const client = (def: ReturnType<typeof notes>) =>
      createModuleDataClient({
        definition: def as any,
        siteId: platform.sites[0] as string,
        userId: platform.userId,
        transport,
      });
    const cOn = client(on);
    const cOff = client(off);
    const body = 'x'.repeat(120);
    const batch = (i: number) =>
      Array.from({ length: 100 }, (_, k) => ({ title: `b${i}-${k}`, body, score: k }));
    const samples = config.mode === 'full' ? 1500 : 300;
    const warmup = config.mode === 'full' ? 200 : 30;
    const single = await interleaved(
      [
        { name: 'quotas on', run: (i) => cOn.insert('notes', { title: `t${i}`, body }) },
        { name: 'quotas off', run: (i) => cOff.insert('notes', { title: `t${i}`, body }) },
      ],
      warmup,
      samples,
    );
    const batched = await interleaved(
      [
        { name: 'quotas on', run: (i) => cOn.insert('notes', batch(i)) },
        { name: 'quotas off', run: (i) => cOff.insert('notes', batch(i)) },
      ],
      Math.ceil(warmup / 10),
      Math.ceil(samples / 5),
    );
    const r1 = median(single.get('quotas on') ?? []) / median(single.get('quotas off') ?? []);
    const r100 = median(batched.get('quotas on') ?? []) / median(batched.get('quotas off') ?? []);
    const [lo1, hi1] = bootstrapRatio(
      single.get('quotas on') ?? [],
      single.get('quotas off') ?? [],
    );
    const [lo100, hi100] = bootstrapRatio(
      batched.get('quotas on') ?? [],
      batched.get('quotas off') ?? [],
    );
    return {
      title: 'Insert throughput with quotas on vs off',
      intro: [
        'Two copies of one prefixed module on the same site; "quotas off" has the platform\'s counting triggers detached, nothing else differs. "Quotas on" counts every row and byte per (module, site, table) in a statement-level trigger with transition tables, locks the (module, site) counter row and checks the row and byte limits (SQLSTATE DQ001 past them). Inserts through the data client (Postgres transport, RLS on), interleaved rounds.',
      ],
      rows: [
        ...rowsFor('insert 1 row per call', single, 'quotas off'),
        ...rowsFor('insert 100 rows per call', batched, 'quotas off'),
      ],
      extra: [],
      targets: [
        {
          target: 'insert, 1 row per call: quotas on within 1.15x of off',
          met: r1 <= 1.15,
          figure: `${ratio(r1)} (95% bootstrap ${ratio(lo1)}-${ratio(hi1)})`,
        },
        {
          target: 'insert, 100 rows per call: quotas on within 1.15x of off',
          met: r100 <= 1.15,
          figure: `${ratio(r100)} (95% bootstrap ${ratio(lo100)}-${ratio(hi100)})`,
        },
      ],
      explains: [],
      elapsedMs: nowMs() - started,
    };
  } finally {
    await db.destroy();
  }
}

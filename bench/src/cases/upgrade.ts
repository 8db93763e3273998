/**
 * Case 5: additive upgrades of a module whose `items` table holds the large data set, while a
 * writer inserts through the SDK in a loop: how long the upgrade takes and how long the writer is
 * blocked.
 */
import { provisionModuleDatabase } from '@dramac/module-db';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { createDatabaseSDK } from '@dramac/module-sdk';
import type { Kysely } from 'kysely';
import type { BigData } from '../big-data';
import { bigModule, bigModuleColumns, bigModuleIndex } from '../modules';
import { ms, type Section, type TargetResult, table } from '../report';
import { median, nowMs } from '../stats';

/** Adding an index to the large table: the longest write overlapping the upgrade. */
const INDEX_TARGET_MS = 50;

interface Write {
  readonly start: number;
  readonly end: number;
}

export async function upgradeCase(
  db: Kysely<any>,
  writerDb: Kysely<any>,
  data: BigData,
): Promise<Section> {
  const started = nowMs();
  const writer = createDatabaseSDK({
    definition: bigModule(data.moduleId),
    siteId: data.platform.sites[0] as string,
    userId: data.platform.userId,
    transport: createPostgresTransport(writerDb),
  });
  const writes: Write[] = [];
  let stop = false;
  const loop = (async () => {
    let i = 0;
    while (!stop) {
      const start = nowMs();
      await writer.createOne('items', { title: `concurrent ${i++}` });
      writes.push({ start, end: nowMs() });
    }
  })();
  const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
  const results: string[][] = [];
  const targets: TargetResult[] = [];
  // The writer stops however the upgrades end: a failed upgrade is reported, not hidden behind
  // the writer's own error once the run closes its pool.
  try {
    await sleep(1500);
    for (const [label, definition] of [
      [
        'add 2 columns (nullable text; integer default 0 not null)',
        bigModuleColumns(data.moduleId),
      ],
      ['add an index on (site_id, score)', bigModuleIndex(data.moduleId)],
    ] as const) {
      const before = writes.filter((w) => w.end > nowMs() - 1000).map((w) => w.end - w.start);
      const t0 = nowMs();
      const result = await provisionModuleDatabase(db, definition, { actor: 'bench' });
      const t1 = nowMs();
      await sleep(1000);
      if (result.status !== 'upgraded')
        throw new Error(`upgrade ${label} reported ${result.status}`);
      // A write is blocked by the upgrade when it overlaps the upgrade's window.
      const during = writes.filter((w) => w.end >= t0 && w.start <= t1);
      const longest = Math.max(0, ...during.map((w) => w.end - w.start));
      results.push([
        label,
        ms(t1 - t0),
        String(result.statementsApplied),
        ms(median(before)),
        String(during.length),
        ms(longest),
        ms(Math.max(0, longest - median(before))),
      ]);
      const isIndex = label.startsWith('add an index');
      targets.push(
        isIndex
          ? {
              target: `${label}: longest concurrent write <= ${INDEX_TARGET_MS} ms`,
              met: longest <= INDEX_TARGET_MS,
              figure: `longest concurrent write ${ms(longest)} ms; upgrade with the online build ${ms(t1 - t0)} ms`,
            }
          : {
              target: `${label}: writers blocked (reported, no numeric target)`,
              met: null,
              figure: `upgrade ${ms(t1 - t0)} ms; longest concurrent write ${ms(longest)} ms`,
            },
      );
    }
  } finally {
    stop = true;
    await loop.catch(() => undefined);
  }
  return {
    title: `Additive upgrade of a module with ${data.itemsRows.toLocaleString('en-US')} rows`,
    intro: [
      `\`items\` holds ${data.itemsRows.toLocaleString('en-US')} rows (plus the concurrent writes). A writer inserts one row at a time through the SDK (site 0, its own pool) for the whole case; \`provisionModuleDatabase\` upgrades the module (\`dramac_apply_module_upgrade\`, one transaction, \`lock_timeout\` 5 s with retries); the new index is then built online (\`CREATE INDEX CONCURRENTLY\` as the module's owner role, statements written by the database, the end state proven after), so "upgrade ms" of that row includes the whole build. "Blocked" is the longest write that overlapped the upgrade minus the writer's median over the second before.`,
    ],
    rows: [],
    extra: [
      table(
        [
          'upgrade',
          'upgrade ms',
          'statements',
          'writer median before ms',
          'writes overlapping',
          'longest overlapping write ms',
          'writer blocked ms',
        ],
        results,
      ),
    ],
    targets,
    explains: [],
    elapsedMs: nowMs() - started,
  };
}

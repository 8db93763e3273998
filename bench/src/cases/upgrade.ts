/**
 * Case 5: additive upgrades of a module whose `items` table holds the large data set, while a
 * writer inserts through the SDK in a loop: how long the upgrade takes and how long the writer is
 * blocked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionModuleDatabase } from '@dramac/module-db';
import type { Kysely } from 'kysely';
import type { BigData } from '../big-data';
import { runWorker } from '../child';
import { bigModuleColumns, bigModuleIndex } from '../modules';
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
  writerUrl: string,
  data: BigData,
): Promise<Section> {
  const started = nowMs();
  // The writer runs in a child process (workers/upgrade-writer.ts): in this one, a collection of
  // the heap the earlier cases left would stall a write for tens of milliseconds and be counted
  // as blocked by the upgrade. Both processes read the same monotonic clock.
  const dir = mkdtempSync(join(tmpdir(), 'dramac-bench-writer-'));
  const stopFile = join(dir, 'stop');
  const writes: Write[] = [];
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const loop = runWorker(
    'upgrade-writer.ts',
    {
      url: writerUrl,
      moduleId: data.moduleId,
      siteId: data.platform.sites[0],
      userId: data.platform.userId,
      stopFile,
    },
    (message) => {
      if (message.kind === 'ready') ready();
      if (message.kind === 'writes') {
        for (const [start, end] of message.writes as [number, number][])
          writes.push({ start, end });
      }
    },
  );
  loop.catch(() => ready());
  await isReady;
  const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
  const results: string[][] = [];
  const targets: TargetResult[] = [];
  // The writer stops however the upgrades end: a failed upgrade is reported, not hidden behind
  // the writer's own error once the run closes its pool.
  try {
    // Warm: a hundred writes done (the child's first calls load code), then a second more.
    for (let waited = 0; writes.length < 100 && waited < 30_000; waited += 100) await sleep(100);
    await sleep(1000);
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
    writeFileSync(stopFile, '');
    await loop.catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: `Additive upgrade of a module with ${data.itemsRows.toLocaleString('en-US')} rows`,
    intro: [
      `\`items\` holds ${data.itemsRows.toLocaleString('en-US')} rows (plus the concurrent writes). A writer inserts one row at a time through the SDK (site 0, its own pool, in a child process of its own) for the whole case; \`provisionModuleDatabase\` upgrades the module (\`dramac_apply_module_upgrade\`, one transaction, \`lock_timeout\` 5 s with retries); the new index is then built online (\`CREATE INDEX CONCURRENTLY\` as the module's owner role, statements written by the database, the end state proven after), so "upgrade ms" of that row includes the whole build. "Blocked" is the longest write that overlapped the upgrade minus the writer's median over the second before.`,
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

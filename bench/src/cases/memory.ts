/**
 * Case 6: memory. The heap after a full GC (what a leak grows), V8's committed heap, and the
 * native rest of the RSS, of the child that provisioned the modules of case 4 and of a child that
 * serves SDK calls, sampled as they go. The RSS is reported and explained, not a target: most of
 * its growth over a run is V8's young generation growing to its maximum size, which a second
 * child with the young generation capped at 1 MiB (`--max-semi-space-size=1`) shows.
 */

import { runWorker } from '../child';
import type { BenchConfig } from '../config';
import { mib, type Section, type TargetResult, table } from '../report';
import { nowMs, slope } from '../stats';
import type { ProvisionMemory } from './provisioning';

/** Growth allowed before "flat" fails: bytes per SDK call and per module, heap after GC. */
const FLAT_BYTES_PER_CALL = 64;
const FLAT_BYTES_PER_MODULE = 16 * 1024;

type Sample = Record<string, number>;

async function serve(
  url: string,
  config: BenchConfig,
  prefix: string,
  flags: readonly string[],
): Promise<{ samples: Sample[]; end: Sample; every: number }> {
  const samples: Sample[] = [];
  let end: Sample = {};
  const every = Math.max(1, Math.floor(config.memoryCalls / 20));
  await runWorker(
    'sdk-worker.ts',
    { url, prefix, calls: config.memoryCalls, every },
    (m) => {
      if (m.type === 'sample') samples.push(m as Sample);
      else if (m.type === 'end') end = m as Sample;
    },
    flags,
  );
  return { samples, end, every };
}

const secondHalfSlope = (samples: readonly Sample[], total: number, key: string): number => {
  const half = samples.filter((s) => (s.calls as number) > total / 2);
  return slope(
    half.map((s) => s.calls as number),
    half.map((s) => s[key] as number),
  );
};

export async function memoryCase(
  url: string,
  config: BenchConfig,
  prefix: string,
  provision: ProvisionMemory,
): Promise<Section> {
  const started = nowMs();
  const run = await serve(url, config, prefix, []);
  const capped = await serve(url, config, `${prefix.slice(0, -1)}e`, ['--max-semi-space-size=1']);
  const calls = config.memoryCalls;
  const measured = run.samples.filter((s) => (s.calls as number) > 0);
  const zero = run.samples[0] as Sample;
  const last = measured[measured.length - 1] as Sample;
  const heapSlope = secondHalfSlope(measured, calls, 'heapAfterGc');
  const cappedMeasured = capped.samples.filter((s) => (s.calls as number) > 0);
  const cappedZero = capped.samples[0] as Sample;
  const cappedLast = cappedMeasured[cappedMeasured.length - 1] as Sample;
  const pick = (list: readonly Sample[], f: number) =>
    list[Math.min(list.length - 1, Math.round(f * (list.length - 1)))] as Sample;
  const gc = provision.gcSamples;
  const gcHalf = gc.filter((s) => s.n > provision.modules / 2);
  const targets: TargetResult[] = [
    {
      target: `${calls.toLocaleString('en-US')} SDK calls: heap after GC flat (grows <= ${FLAT_BYTES_PER_CALL} B per call over the second half)`,
      met: heapSlope <= FLAT_BYTES_PER_CALL,
      figure: `${heapSlope.toFixed(1)} B/call (heap after GC ${mib(zero.heapAfterGc as number)} -> ${mib(last.heapAfterGc as number)})`,
    },
    {
      target: `${calls.toLocaleString('en-US')} SDK calls: RSS (reported, explained)`,
      met: null,
      figure: `RSS after GC ${mib(zero.rssAfterGc as number)} -> ${mib(last.rssAfterGc as number)}: V8 committed ${mib(zero.v8CommittedAfterGc as number)} -> ${mib(last.v8CommittedAfterGc as number)} (young generation up to ${mib(Math.max(...measured.map((s) => s.newSpace as number)))}), native ${mib(zero.nativeAfterGc as number)} -> ${mib(last.nativeAfterGc as number)}; young generation capped at 1 MiB: RSS after GC ${mib(cappedZero.rssAfterGc as number)} -> ${mib(cappedLast.rssAfterGc as number)}`,
    },
    gc.length >= 4
      ? {
          target: `provisioning ${provision.modules.toLocaleString('en-US')} modules: heap after GC flat (grows <= ${FLAT_BYTES_PER_MODULE / 1024} KiB per module over the second half)`,
          met: provision.heapAfterGcSlopePerModule <= FLAT_BYTES_PER_MODULE,
          figure: `${(provision.heapAfterGcSlopePerModule / 1024).toFixed(1)} KiB/module (heap after GC ${mib((gcHalf[0] ?? gc[0])?.heapAfterGc as number)} at module ${(gcHalf[0] ?? gc[0])?.n} -> ${mib(gc[gc.length - 1]?.heapAfterGc as number)} at ${gc[gc.length - 1]?.n})`,
        }
      : {
          target: `provisioning ${provision.modules.toLocaleString('en-US')} modules: heap after GC flat`,
          met: null,
          figure: 'too few modules for a slope',
        },
    {
      target: `provisioning ${provision.modules.toLocaleString('en-US')} modules: RSS (reported)`,
      met: null,
      figure: `${(provision.rssSlopePerModule / 1024).toFixed(1)} KiB/module over the second half; RSS ${mib(provision.startRss)} -> ${mib(provision.endRss)}, peak ${mib(provision.peakRss)}`,
    },
  ];
  const provSample = (f: number) => gc[Math.min(gc.length - 1, Math.round(f * (gc.length - 1)))];
  return {
    title: 'Memory',
    intro: [
      'Child Node processes (`node --expose-gc --import tsx`: the TypeScript loader is part of the baseline). "Heap after GC" is `heapUsed` right after a full collection: what a leak would grow. "V8 committed" is the memory V8 holds for its heap (`v8.getHeapStatistics().total_physical_size`), of which the young generation (new space) grows in steps to its maximum (16 MiB semi-spaces by default on 64-bit) as allocation goes on, and stays there. "Native" is the rest of the RSS: code, libraries, sockets, the C heap. Slopes are least squares over the second half of the run.',
    ],
    rows: [],
    extra: [
      `**Serving ${calls.toLocaleString('en-US')} SDK calls** (find, findById, count, createOne, updateById in turn, on a \`pg\` pool in pipeline mode; 200 warm-up calls first; ${((run.end.ms as number) / calls).toFixed(2)} ms per call including a forced GC every ${run.every} calls): peak RSS during warm-up (SQL parser load) ${mib(zero.warmupPeakRss as number)}; peak while serving ${mib(run.end.peakRss as number)}.`,
      table(
        [
          'calls served',
          'RSS',
          'heap used',
          'heap after GC',
          'V8 committed',
          'young generation',
          'native after GC',
          'RSS after GC',
        ],
        [0, 0.25, 0.5, 0.75, 1].map((f) => {
          const s = f === 0 ? zero : pick(measured, f);
          return [
            String(s.calls),
            mib(s.rss as number),
            mib(s.heapUsed as number),
            mib(s.heapAfterGc as number),
            mib((s.v8Committed ?? s.v8CommittedAfterGc) as number),
            s.newSpace === undefined ? '-' : mib(s.newSpace),
            mib(s.nativeAfterGc as number),
            mib(s.rssAfterGc as number),
          ];
        }),
      ),
      `The same calls with the young generation capped at 1 MiB (\`--max-semi-space-size=1\`): ${table(
        ['calls served', 'RSS after GC', 'V8 committed after GC', 'heap after GC'],
        [0, 0.5, 1].map((f) => {
          const s = f === 0 ? cappedZero : pick(cappedMeasured, f);
          return [
            String(s.calls),
            mib(s.rssAfterGc as number),
            mib(s.v8CommittedAfterGc as number),
            mib(s.heapAfterGc as number),
          ];
        }),
      ).replace(/^/, '\n\n')}`,
      `**Provisioning ${provision.modules.toLocaleString('en-US')} modules** (the child of case 4; a full GC every twentieth of the run): peak RSS during warm-up (parser load) ${mib(provision.warmupPeakRss)}; RSS ${mib(provision.startRss)} before the first module, ${mib(provision.endRss)} at the end, peak while provisioning ${mib(provision.peakRss)}.`,
      gc.length > 0
        ? table(
            ['modules provisioned', 'heap after GC', 'V8 committed after GC', 'RSS after GC'],
            [0, 0.25, 0.5, 0.75, 1].flatMap((f) => {
              const s = provSample(f);
              return s
                ? [[String(s.n), mib(s.heapAfterGc), mib(s.v8CommittedAfterGc), mib(s.rssAfterGc)]]
                : [];
            }),
          )
        : '',
    ],
    targets,
    explains: [],
    elapsedMs: nowMs() - started,
  };
}

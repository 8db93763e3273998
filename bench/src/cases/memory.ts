/**
 * Case 6: memory. Peak RSS of the child that provisioned the modules of case 4, and of a child
 * that serves SDK calls, sampled as they go, with the growth per module or per call.
 */

import { runWorker } from '../child';
import type { BenchConfig } from '../config';
import { mib, type Section, type TargetResult, table } from '../report';
import { nowMs, slope } from '../stats';
import type { ProvisionMemory } from './provisioning';

/** Growth allowed before "flat" fails: bytes per SDK call (heap after GC) and per module (RSS). */
const FLAT_BYTES_PER_CALL = 64;
const FLAT_BYTES_PER_MODULE = 16 * 1024;
const FLAT_RSS_BYTES_PER_CALL = 1024;

export async function memoryCase(
  url: string,
  config: BenchConfig,
  prefix: string,
  provision: ProvisionMemory,
): Promise<Section> {
  const started = nowMs();
  const samples: Record<string, number>[] = [];
  let end: Record<string, number> = {};
  const every = Math.max(1, Math.floor(config.memoryCalls / 20));
  await runWorker('sdk-worker.ts', { url, prefix, calls: config.memoryCalls, every }, (m) => {
    if (m.type === 'sample') samples.push(m as any);
    else if (m.type === 'end') end = m as any;
  });
  const measured = samples.filter((s) => (s.calls as number) > 0);
  const zero = samples[0] as Record<string, number>;
  const second = measured.filter((s) => (s.calls as number) > config.memoryCalls / 2);
  const heapSlope = slope(
    second.map((s) => s.calls as number),
    second.map((s) => s.heapAfterGc as number),
  );
  const rssSlope = slope(
    second.map((s) => s.calls as number),
    second.map((s) => s.rssAfterGc as number),
  );
  const pick = (list: readonly Record<string, number>[], k: number) =>
    list[Math.min(list.length - 1, k)] as Record<string, number>;
  const q = (f: number) => pick(measured, Math.round(f * (measured.length - 1)));
  const provSample = (f: number) =>
    provision.samples[
      Math.min(provision.samples.length - 1, Math.round(f * (provision.samples.length - 1)))
    ];
  const targets: TargetResult[] = [
    {
      target: `provisioning ${provision.modules.toLocaleString('en-US')} modules: flat (RSS growth <= ${FLAT_BYTES_PER_MODULE / 1024} KiB per module over the second half)`,
      met: provision.rssSlopePerModule <= FLAT_BYTES_PER_MODULE,
      figure: `${(provision.rssSlopePerModule / 1024).toFixed(1)} KiB/module RSS, ${(provision.heapSlopePerModule / 1024).toFixed(1)} KiB/module heap; peak RSS ${mib(provision.peakRss)}`,
    },
    {
      target: `${config.memoryCalls.toLocaleString('en-US')} SDK calls: flat (heap after GC grows <= ${FLAT_BYTES_PER_CALL} B per call over the second half)`,
      met: heapSlope <= FLAT_BYTES_PER_CALL,
      figure: `${heapSlope.toFixed(1)} B/call (heap after GC ${mib(q(0).heapAfterGc as number)} -> ${mib(q(1).heapAfterGc as number)})`,
    },
    {
      target: `${config.memoryCalls.toLocaleString('en-US')} SDK calls: RSS flat too (RSS after GC grows <= ${FLAT_RSS_BYTES_PER_CALL} B per call over the second half)`,
      met: rssSlope <= FLAT_RSS_BYTES_PER_CALL,
      figure: `${rssSlope.toFixed(0)} B/call (RSS after GC ${mib(q(0).rssAfterGc as number)} -> ${mib(q(1).rssAfterGc as number)}); peak RSS ${mib(end.peakRss as number)}`,
    },
  ];
  return {
    title: 'Memory',
    intro: [
      `Both figures come from child Node processes (\`node --expose-gc --import tsx\`: the TypeScript loader is part of the baseline). RSS is \`process.memoryUsage().rss\`, the peak is the kernel's \`VmHWM\`. Growth is the least-squares slope over the second half of the run.`,
    ],
    rows: [],
    extra: [
      `**Provisioning ${provision.modules.toLocaleString('en-US')} modules** (the child of case 4): peak during warm-up (parser load) ${mib(provision.warmupPeakRss)}; RSS ${mib(provision.startRss)} before the first module, ${mib(provision.endRss)} at the end, peak while provisioning ${mib(provision.peakRss)}.`,
      table(
        ['modules provisioned', 'RSS', 'heap used', 'peak RSS so far'],
        [0.1, 0.25, 0.5, 0.75, 1].map((f) => {
          const s = provSample(f);
          return s
            ? [String(s.n), mib(s.rss), mib(s.heapUsed), mib(s.peakRss)]
            : ['-', '-', '-', '-'];
        }),
      ),
      `**Serving ${config.memoryCalls.toLocaleString('en-US')} SDK calls** (find, findById, count, createOne, updateById in turn; 200 warm-up calls first; ${((end.ms as number) / config.memoryCalls).toFixed(2)} ms per call including a forced GC every ${every} calls): peak during warm-up (parser load) ${mib(zero.warmupPeakRss as number)}; RSS ${mib(zero.rss as number)} before the calls, peak while serving them ${mib(end.peakRss as number)}.`,
      table(
        ['calls served', 'RSS', 'heap used', 'heap after GC', 'RSS after GC'],
        [0, 0.25, 0.5, 0.75, 1].map((f) => {
          const s = q(f);
          return [
            String(s.calls),
            mib(s.rss as number),
            mib(s.heapUsed as number),
            mib(s.heapAfterGc as number),
            mib(s.rssAfterGc as number),
          ];
        }),
      ),
    ],
    targets,
    explains: [],
    elapsedMs: nowMs() - started,
  };
}

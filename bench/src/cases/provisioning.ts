/**
 * Case 4: provisioning scale. A child process provisions CRM-like modules (4 tables each) one after
 * another into one database; at 1, 10, 100 and 1,000 installed modules it measures the catalog and
 * provisions then deprovisions a few probe modules. Its memory feeds case 6.
 */

import { runWorker } from '../child';
import type { BenchConfig } from '../config';
import { mib, ms, ratio, type Section, type TargetResult, table } from '../report';
import { median, nowMs, slope } from '../stats';

const TARGET = 1.5;

export interface ProvisionMemory {
  readonly modules: number;
  readonly startRss: number;
  readonly endRss: number;
  readonly peakRss: number;
  readonly warmupPeakRss: number;
  readonly rssSlopePerModule: number;
  readonly heapSlopePerModule: number;
  /** Slope of the heap after a full GC (sampled every twentieth of the run), second half. */
  readonly heapAfterGcSlopePerModule: number;
  readonly samples: readonly { n: number; rss: number; heapUsed: number; peakRss: number }[];
  /** The samples taken after a full GC. */
  readonly gcSamples: readonly {
    n: number;
    heapAfterGc: number;
    v8CommittedAfterGc: number;
    rssAfterGc: number;
  }[];
}

export async function provisioningScale(
  url: string,
  config: BenchConfig,
  prefix: string,
  deadline: number | null,
): Promise<{ section: Section; memory: ProvisionMemory }> {
  const started = nowMs();
  const milestones: Record<string, any>[] = [];
  const modules: {
    n: number;
    ms: number;
    rss: number;
    heapUsed: number;
    peakRss: number;
    heapAfterGc?: number;
    v8CommittedAfterGc?: number;
    rssAfterGc?: number;
  }[] = [];
  let warmup: Record<string, any> = {};
  let start: Record<string, any> = {};
  let end: Record<string, any> = {};
  let stoppedAt = null as number | null;
  await runWorker(
    'provision-worker.ts',
    {
      url,
      prefix,
      milestones: config.provision.milestones,
      probes: config.provision.probes,
      deadline,
    },
    (m) => {
      if (m.type === 'module') modules.push(m as any);
      else if (m.type === 'milestone') {
        milestones.push(m);
        process.stdout.write(
          `    ${m.n} modules installed, probe provision ${ms(median(m.provision as number[]))} ms\n`,
        );
      } else if (m.type === 'warmup') warmup = m;
      else if (m.type === 'start') start = m;
      else if (m.type === 'end') end = m;
      else if (m.type === 'stopped') {
        stoppedAt = m.n as number;
        process.stdout.write(`    time budget reached: stopped at ${stoppedAt} modules\n`);
      }
    },
  );
  const first = median(milestones[0]?.provision ?? []);
  const lastM = milestones[milestones.length - 1] as Record<string, any>;
  const last = median(lastM.provision);
  const rows = milestones.map((m) => {
    const c = m.catalog as Record<string, string>;
    const n = m.n as number;
    const window = modules
      .filter((x) => x.n > n - Math.max(1, Math.ceil(n / 10)) && x.n <= n)
      .map((x) => x.ms);
    return [
      String(n),
      ms(median(window)),
      ms(median(m.provision)),
      ratio(median(m.provision) / first),
      ms(median(m.deprovision)),
      (Number(m.elapsedMs) / 1000).toFixed(1),
      Number(c.relations).toLocaleString('en-US'),
      Number(c.attributes).toLocaleString('en-US'),
      Number(c.policies).toLocaleString('en-US'),
      Number(c.roles).toLocaleString('en-US'),
      mib(Number(c.catalog_bytes)),
      mib(Number(c.database_bytes)),
    ];
  });
  const total = modules.length;
  const half = modules.filter((x) => x.n > total / 2);
  const gcSamples = modules.flatMap((x) =>
    x.heapAfterGc === undefined
      ? []
      : [
          {
            n: x.n,
            heapAfterGc: x.heapAfterGc,
            v8CommittedAfterGc: Number(x.v8CommittedAfterGc),
            rssAfterGc: Number(x.rssAfterGc),
          },
        ],
  );
  const memory: ProvisionMemory = {
    modules: total,
    startRss: Number(start.rss),
    endRss: Number(end.rss),
    peakRss: Number(end.peakRss),
    warmupPeakRss: Number(start.warmupPeakRss),
    rssSlopePerModule: slope(
      half.map((x) => x.n),
      half.map((x) => x.rss),
    ),
    heapSlopePerModule: slope(
      half.map((x) => x.n),
      half.map((x) => x.heapUsed),
    ),
    samples: modules.map(({ n, rss, heapUsed, peakRss }) => ({ n, rss, heapUsed, peakRss })),
    heapAfterGcSlopePerModule: slope(
      gcSamples.filter((x) => x.n > total / 2).map((x) => x.n),
      gcSamples.filter((x) => x.n > total / 2).map((x) => x.heapAfterGc),
    ),
    gcSamples,
  };
  const targets: TargetResult[] = [
    {
      target: `module #${lastM.n} provisions within ${TARGET}x the time of the 1st`,
      met: last / first <= TARGET,
      figure: `${ratio(last / first)} (${ms(first)} ms -> ${ms(last)} ms, probe medians)`,
    },
  ];
  return {
    section: {
      title: 'Provisioning scale',
      intro: [
        `A child process provisions CRM-like \`system\` modules of four tables (contacts, companies, deals, activities: 3 indexes, 4 foreign keys, checks, the site policy each) one after another with \`provisionModuleDatabase\` (validate, plan, \`dramac_apply_module_plan\`). At each size it reads the catalog, then provisions ${config.provision.probes} extra probe modules and deprovisions them (\`deprovisionModuleDatabase\`, mode \`drop\`); "probe" columns are their medians, "nth module" is the median of the last tenth of the modules that reached the size. Warm-up module (loads the SQL parser): ${ms(Number(warmup.provisionMs))} ms to provision, ${ms(Number(warmup.deprovisionMs))} ms to deprovision, not counted. Total for ${total.toLocaleString('en-US')} modules: ${(Number(end.totalMs) / 1000).toFixed(1)} s including the probes.${
          stoppedAt === null
            ? ''
            : ` **Scaled down: the run's time budget (20 minutes for the whole \`pnpm bench\`) ran out after ${stoppedAt.toLocaleString('en-US')} modules, so the largest size measured is ${stoppedAt.toLocaleString('en-US')}, not ${Math.max(...config.provision.milestones).toLocaleString('en-US')}.**`
        }`,
      ],
      rows: [],
      extra: [
        table(
          [
            'modules installed',
            'nth module ms',
            'probe provision ms',
            'ratio to 1 module',
            'probe deprovision ms',
            'elapsed s',
            'pg_class rows',
            'pg_attribute rows',
            'policies',
            'roles (cluster)',
            'catalog size',
            'database size',
          ],
          rows,
        ),
      ],
      targets,
      explains: [],
      elapsedMs: nowMs() - started,
    },
    memory,
  };
}

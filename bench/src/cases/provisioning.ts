/**
 * Case 4: provisioning scale. A child process provisions CRM-like modules (4 tables each) one after
 * another into one database; at 1, 10, 100 and 1,000 installed modules it measures the catalog and,
 * probe after probe, the raw DDL of the same plan (one string, superuser), a provision of a probe
 * module, its deprovision and the raw drop. Targets: provision <= 1.5x the raw DDL at the largest
 * size, and that ratio within 1.2x of the ratio at 1 module; deprovisioning the same. Its memory
 * feeds case 6.
 */

import { runWorker } from '../child';
import type { BenchConfig } from '../config';
import { mib, ms, ratio, type Section, type TargetResult, table } from '../report';
import { median, nowMs, slope } from '../stats';

/** Provision (deprovision) over the raw DDL (drop) of the same plan, at the largest size. */
const TARGET = 1.5;
/** The ratio at the largest size over the ratio at 1 module. */
const FLAT = 1.2;

/** Probe provision medians (ms) of earlier full runs at 1, 10, 100 and 1,000 modules. */
const HISTORY: readonly {
  commit: string;
  what: string;
  at: readonly [number, number | null, number | null, number];
}[] = [
  {
    commit: 'b7dc8cb',
    what: 'release candidate: plan SQL checked as text, the provisioner owns every module',
    at: [57.9, null, null, 501],
  },
  {
    commit: '6a599d8',
    what: 'boundary landed: least privilege, end state proven from the catalog',
    at: [146, 241, 257, 541],
  },
  {
    commit: '18370f9',
    what: 'checks in PL/pgSQL, role managers, quotas; every bench module in one role-manager bucket',
    at: [93.3, 93.1, 116, 468],
  },
  {
    commit: 'c97d2a0',
    what: 'bench module ids spread over the role managers as random ids would be',
    at: [69.2, 108, 71.5, 179],
  },
  {
    commit: '4f5969a',
    what: 'deprovisioning reads only what depends on the module; last run with a DDL function created and dropped per provision',
    at: [75.0, 93.8, 90.4, 216],
  },
];

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
  const firstM = milestones[0] as Record<string, any>;
  const first = median(firstM?.provision ?? []);
  const lastM = milestones[milestones.length - 1] as Record<string, any>;
  const last = median(lastM.provision);
  const ratios = (m: Record<string, any>) => ({
    provision: median(m.provision) / median(m.rawDdl),
    deprovision: median(m.deprovision) / median(m.rawDrop),
  });
  const r1 = ratios(firstM);
  const rN = ratios(lastM);
  const rows = milestones.map((m) => {
    const c = m.catalog as Record<string, string>;
    const n = m.n as number;
    const window = modules
      .filter((x) => x.n > n - Math.max(1, Math.ceil(n / 10)) && x.n <= n)
      .map((x) => x.ms);
    return [
      String(n),
      ms(median(window)),
      ms(median(m.rawDdl)),
      ms(median(m.provision)),
      ratio(median(m.provision) / median(m.rawDdl)),
      ratio(median(m.provision) / first),
      `${ms(median(m.proofCached))} / ${ms(median(m.proofAfterSchemaChange))}`,
      ratio((median(m.provision) - median(m.proofAfterSchemaChange)) / median(m.rawDdl)),
      ms(median(m.rawDrop)),
      ms(median(m.deprovision)),
      ratio(median(m.deprovision) / median(m.rawDrop)),
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
      target: `provisioning at ${lastM.n} modules <= ${TARGET}x the raw DDL of the same plan`,
      met: rN.provision <= TARGET,
      figure: `${ratio(rN.provision)} (${ms(last)} ms vs ${ms(median(lastM.rawDdl))} ms; at 1 module ${ratio(r1.provision)})`,
    },
    {
      target:
        "the end-state proof alone against the raw DDL at 1 module (reported: issue 17's 1.5x target above is kept as written but not held, since DESIGN.md requires this proof before commit; see docs/status.md)",
      met: null,
      figure: `${ratio(median(firstM.proofAfterSchemaChange) / median(firstM.rawDdl))} (${ms(median(firstM.proofAfterSchemaChange))} ms vs ${ms(median(firstM.rawDdl))} ms; ${ms(median(firstM.proofCached))} ms with its plans cached)`,
    },
    {
      target: `that ratio at ${lastM.n} modules within ${FLAT}x of the ratio at 1 module`,
      met: rN.provision / r1.provision <= FLAT,
      figure: `${ratio(rN.provision / r1.provision)} (${ratio(r1.provision)} -> ${ratio(rN.provision)})`,
    },
    {
      target: `deprovisioning at ${lastM.n} modules <= ${TARGET}x the raw drop`,
      met: rN.deprovision <= TARGET,
      figure: `${ratio(rN.deprovision)} (${ms(median(lastM.deprovision))} ms vs ${ms(median(lastM.rawDrop))} ms; at 1 module ${ratio(r1.deprovision)})`,
    },
    {
      target: `that ratio at ${lastM.n} modules within ${FLAT}x of the ratio at 1 module`,
      met: rN.deprovision / r1.deprovision <= FLAT,
      figure: `${ratio(rN.deprovision / r1.deprovision)} (${ratio(r1.deprovision)} -> ${ratio(rN.deprovision)})`,
    },
    {
      target: `the end-state proof's share of a provision at ${lastM.n} modules (reported, no target)`,
      met: null,
      figure: `${ms(median(lastM.proofAfterSchemaChange))} ms of ${ms(last)} ms (${((100 * median(lastM.proofAfterSchemaChange)) / last).toFixed(0)}%; ${ms(median(lastM.proofCached))} ms with its plans cached); the rest of a provision ${ratio((last - median(lastM.proofAfterSchemaChange)) / median(lastM.rawDdl))} the raw DDL (at 1 module ${ratio((first - median(firstM.proofAfterSchemaChange)) / median(firstM.rawDdl))})`,
    },
    {
      target: `module #${lastM.n} vs module #1, provision probe medians (reported, no target)`,
      met: null,
      figure: `${ratio(last / first)} (${ms(first)} ms -> ${ms(last)} ms)`,
    },
  ];
  return {
    section: {
      title: 'Provisioning scale',
      intro: [
        `A child process provisions CRM-like \`system\` modules of four tables (contacts, companies, deals, activities: 3 indexes, 4 foreign keys, checks, the site policy each) one after another with \`provisionModuleDatabase\` (validate, plan, \`dramac_apply_module_plan\`). At each size it reads the catalog, then ${config.provision.probes} times in a row: the **raw DDL** of a CRM-like plan (the roles, memberships and schema the platform creates, then the plan's statements as the owner role, in one transaction sent as one string by the superuser: no validation, no least privilege, no end-state proof), a probe module provisioned with \`provisionModuleDatabase\` and deprovisioned (\`deprovisionModuleDatabase\`, mode \`drop\`), and the **raw drop** (schema and roles); then, as many times, the **end-state proof alone**: \`dramac_verify_module_state\` (read module #1's catalog state, compare it with its plan's desired state, check the platform's invariants) run again on installed module #1 in a transaction rolled back after, once with the session's plans cached and once after a change of \`pg_namespace\` (a schema ACL granted and revoked): every schema a provision creates makes every backend parse and plan its statements again, so inside a provision the proof pays the second figure. "probe" and "raw" columns are their medians, "nth module" is the median of the last tenth of the modules that reached the size. Warm-up module (loads the SQL parser): ${ms(Number(warmup.provisionMs))} ms to provision, ${ms(Number(warmup.deprovisionMs))} ms to deprovision, not counted. Total for ${total.toLocaleString('en-US')} modules: ${(Number(end.totalMs) / 1000).toFixed(1)} s including the probes.${
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
            'raw DDL ms',
            'probe provision ms',
            'provision / raw',
            'provision vs 1 module',
            'proof alone ms (plans cached / after a schema change)',
            '(provision - proof) / raw',
            'raw drop ms',
            'probe deprovision ms',
            'deprovision / raw',
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
        "Earlier full runs of this case, recorded in the repository (docs/status.md, earlier BENCHMARKS.md), not measured in this run: probe provision medians. Before the provisioning boundary (issue 13) the database checked the plan's SQL text and the provisioner owned every module; after it, each plan runs as the module's owner role and the end state is proven from the catalog before commit.",
        table(
          ['commit', 'what it was', '1 module ms', '10', '100', '1,000', '#1000 / #1'],
          HISTORY.map((h) => [
            h.commit,
            h.what,
            ms(h.at[0]),
            h.at[1] === null ? 'n/a' : ms(h.at[1]),
            h.at[2] === null ? 'n/a' : ms(h.at[2]),
            ms(h.at[3]),
            ratio(h.at[3] / h.at[0]),
          ]),
        ),
      ],
      targets,
      explains: [],
      elapsedMs: nowMs() - started,
    },
    memory,
  };
}

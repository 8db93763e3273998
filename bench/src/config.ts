/** Sizes of a run: `--quick` for iteration, the full run for BENCHMARKS.md. */
export interface BenchConfig {
  readonly mode: 'quick' | 'full';
  /** SDK overhead: rows per site in `contacts` (10 sites), warm-up calls and samples per variant. */
  readonly sdk: { readonly rowsPerSite: number; readonly warmup: number; readonly samples: number };
  /** RLS policy cost: rows and sites of `items`, warm-up and samples per variant. */
  readonly rls: {
    readonly rows: number;
    readonly sites: number;
    readonly warmup: number;
    readonly samples: number;
  };
  /** count vs fetch-all: rows of the measured site at each size, samples for count and fetch. */
  readonly count: {
    readonly sizes: readonly number[];
    readonly countSamples: number;
    readonly fetchSamples: number;
  };
  /** Provisioning scale: module counts at which to measure, probe modules (each beside a raw DDL probe) per milestone. */
  readonly provision: { readonly milestones: readonly number[]; readonly probes: number };
  /** SDK calls served by the memory child. */
  readonly memoryCalls: number;
}

export const FULL: BenchConfig = {
  mode: 'full',
  sdk: { rowsPerSite: 2_000, warmup: 300, samples: 2_000 },
  rls: { rows: 1_000_000, sites: 1_000, warmup: 20, samples: 200 },
  count: { sizes: [1_000, 100_000, 1_000_000], countSamples: 200, fetchSamples: 3 },
  provision: { milestones: [1, 10, 100, 1_000], probes: 15 },
  memoryCalls: 10_000,
};

export const QUICK: BenchConfig = {
  mode: 'quick',
  sdk: { rowsPerSite: 500, warmup: 30, samples: 150 },
  rls: { rows: 100_000, sites: 100, warmup: 5, samples: 40 },
  count: { sizes: [1_000, 10_000, 100_000], countSamples: 10, fetchSamples: 3 },
  provision: { milestones: [1, 10, 30], probes: 5 },
  memoryCalls: 2_000,
};

/** Timing helpers: monotonic clock, medians and nearest-rank percentiles. */

/** Milliseconds since an arbitrary origin, from the monotonic high-resolution clock. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` and returns how long it took, in milliseconds. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = nowMs();
  await fn();
  return nowMs() - start;
}

/** The `p`-th percentile (0-100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 50);
export const p95 = (values: readonly number[]): number => percentile(values, 95);

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** One way of doing the same operation (the SDK, raw Kysely, raw pg...). */
export interface Variant {
  readonly name: string;
  readonly run: (i: number) => Promise<unknown>;
}

/**
 * Runs every variant `warmup` times, then `samples` rounds in which each variant runs once, the
 * order rotating each round, so drift on a noisy machine (other tenants, autovacuum, JIT warm-up)
 * falls on every variant alike instead of on whichever ran last.
 */
export async function interleaved(
  variants: readonly Variant[],
  warmup: number,
  samples: number,
): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let i = 0; i < warmup; i++) for (const v of variants) await v.run(i);
  for (let round = 0; round < samples; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length] as Variant;
      const start = nowMs();
      await v.run(warmup + round);
      (times.get(v.name) as number[]).push(nowMs() - start);
    }
  }
  return times;
}

/**
 * The ratio of `variant`'s median to `baseline`'s within each of `blocks` consecutive runs of
 * rounds (interleaved samples: sample k of every variant belongs to round k). Their range is how
 * much the ratio moves within one run: a target whose threshold lies outside it does not flip.
 */
export function blockRatios(
  variant: readonly number[],
  baseline: readonly number[],
  blocks: number,
): number[] {
  const n = Math.min(variant.length, baseline.length);
  const size = Math.floor(n / blocks);
  const out: number[] = [];
  for (let b = 0; b < blocks && size > 0; b++) {
    const from = b * size;
    out.push(median(variant.slice(from, from + size)) / median(baseline.slice(from, from + size)));
  }
  return out;
}

/**
 * A 95% bootstrap interval of median(variant) / median(baseline): the samples resampled with
 * replacement `rounds` times (a fixed seed, so a report is reproducible from its samples). How
 * far the ratio could move if the run were repeated on a machine in the same state.
 */
export function bootstrapRatio(
  variant: readonly number[],
  baseline: readonly number[],
  rounds = 1000,
): [number, number] {
  let seed = 0x2545f491;
  const random = () => {
    // xorshift32
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const resampledMedian = (values: readonly number[]) => {
    const pick = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++)
      pick[i] = values[Math.floor(random() * values.length)] as number;
    pick.sort((a, b) => a - b);
    return pick[Math.max(0, Math.ceil(pick.length / 2) - 1)] as number;
  };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++)
    ratios.push(resampledMedian(variant) / resampledMedian(baseline));
  ratios.sort((a, b) => a - b);
  return [
    ratios[Math.floor(0.025 * rounds)] as number,
    ratios[Math.min(rounds - 1, Math.ceil(0.975 * rounds) - 1)] as number,
  ];
}

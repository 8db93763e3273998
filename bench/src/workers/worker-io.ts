/** How a worker child process reports to the parent: one JSON object per stdout line. */
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

export function report(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Resident set size now and its peak so far (VmHWM), in bytes, from /proc where it exists. */
export function memory(): {
  rss: number;
  peakRss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Memory V8 has committed for its heap (all spaces), resident or not. */
  v8Committed: number;
  /** Of that, the young generation (new space): it grows to its maximum as allocation goes on. */
  newSpace: number;
  /** RSS not held by the V8 heap: code, libraries, buffers, the C heap. */
  native: number;
} {
  const usage = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  const newSpace =
    v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
  let peakRss = usage.rss;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (hwm) peakRss = Number(hwm[1]) * 1024;
  } catch {
    // Not Linux: the current RSS is the best available figure.
  }
  return {
    rss: usage.rss,
    peakRss,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    v8Committed: heap.total_physical_size,
    newSpace,
    native: usage.rss - heap.total_physical_size,
  };
}

/** Runs a full collection when the process was started with --expose-gc. */
export function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Resets the kernel's peak RSS (VmHWM) so the next peak excludes what came before (Linux). */
export function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits for the transient RSS of loading the SQL parser's WebAssembly to pass: RSS climbs by some
 * 450 MiB over a few seconds, then falls back. Done once RSS has fallen well below its peak, or
 * when it has stopped growing for 3 s (a process that never loaded the parser), at most 60 s.
 */
export async function settle(): Promise<void> {
  const started = Date.now();
  let last = memory().rss;
  let stableSince = Date.now();
  while (Date.now() - started < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { rss, peakRss } = memory();
    if (peakRss - rss > 200 * 1024 * 1024) return;
    if (rss > last + 4 * 1024 * 1024) stableSince = Date.now();
    else if (Date.now() - stableSince > 3_000 && Date.now() - started > 6_000) return;
    last = Math.max(last, rss);
  }
}

export function args<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** How a worker child process reports to the parent: one JSON object per stdout line. */
import { readFileSync, writeFileSync } from 'node:fs';

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
} {
  const usage = process.memoryUsage();
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

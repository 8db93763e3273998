/** Where the CLI writes: injectable so tests can run it in-process. */
export interface CliStreams {
  readonly stdout: { write(chunk: string): unknown; isTTY?: boolean };
  readonly stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

/**
 * The CLI's output. Human mode: results on stdout, progress on stderr (rewritten in place on a
 * terminal, one line per step otherwise). JSON mode: stdout carries exactly one JSON document at
 * the end and nothing else, so `--json | jq` always parses; progress is silent.
 */
export class CliOutput {
  readonly json: boolean;
  readonly #streams: CliStreams;
  #progressShown = false;

  constructor(streams: CliStreams, json: boolean) {
    this.#streams = streams;
    this.json = json;
  }

  /** A line of the human-readable result (nothing in JSON mode). */
  line(text = ''): void {
    if (this.json) return;
    this.#clearProgress();
    this.#streams.stdout.write(`${text}\n`);
  }

  /** Raw human-readable text, e.g. a rendered SQL plan (nothing in JSON mode). */
  text(text: string): void {
    if (this.json) return;
    this.#clearProgress();
    this.#streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** `[i/n] label`: where a multi-module run is (stderr, human mode only). */
  progress(index: number, total: number, label: string): void {
    if (this.json) return;
    const line = `[${index}/${total}] ${label}`;
    if (this.#streams.stderr.isTTY) {
      this.#streams.stderr.write(`\r\x1b[2K${line}`);
      this.#progressShown = true;
    } else {
      this.#streams.stderr.write(`${line}\n`);
    }
  }

  /** A line about what is happening, for people on stderr (human mode only). */
  note(text: string): void {
    if (this.json) return;
    this.#clearProgress();
    this.#streams.stderr.write(`${text}\n`);
  }

  /** The final JSON document (JSON mode only). */
  result(value: unknown): void {
    if (!this.json) return;
    this.#streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A message for people on stderr, in both modes (JSON mode keeps stdout clean). */
  warn(text: string): void {
    this.#clearProgress();
    this.#streams.stderr.write(`${text}\n`);
  }

  #clearProgress(): void {
    if (this.#progressShown) {
      this.#streams.stderr.write('\r\x1b[2K');
      this.#progressShown = false;
    }
  }
}

/** Left-aligned columns for a small table. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

/** The results of a run and their Markdown rendering. */
import { median, p95 } from './stats';

/** One measured line of a table. */
export interface ResultRow {
  readonly operation: string;
  readonly variant: string;
  readonly samples: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  /** Median over the baseline's median, both measured in this run; null for the baseline itself. */
  readonly ratio: number | null;
  readonly note?: string;
}

/** A target of the issue and whether this run met it. */
export interface TargetResult {
  readonly target: string;
  /** null: reported, the issue sets no threshold. */
  readonly met: boolean | null;
  readonly figure: string;
}

/** One case's results. */
export interface Section {
  readonly title: string;
  readonly intro: readonly string[];
  readonly rows: readonly ResultRow[];
  /** Extra Markdown tables or notes. */
  readonly extra: readonly string[];
  readonly targets: readonly TargetResult[];
  readonly explains: readonly { readonly title: string; readonly plan: string }[];
  readonly elapsedMs: number;
}

/** Turns timing samples into rows, with ratios against `baseline` (a variant name). */
export function rowsFor(
  operation: string,
  times: ReadonlyMap<string, readonly number[]>,
  baseline: string,
  notes: Readonly<Record<string, string>> = {},
): ResultRow[] {
  const base = median(times.get(baseline) ?? []);
  return [...times].map(([variant, values]) => ({
    operation,
    variant,
    samples: values.length,
    medianMs: median(values),
    p95Ms: p95(values),
    ratio: variant === baseline ? null : median(values) / base,
    ...(notes[variant] ? { note: notes[variant] } : {}),
  }));
}

export const ms = (v: number): string =>
  Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : 'n/a';
export const ratio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A Markdown table from a header and rows of cells. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string) => c.replaceAll('|', '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function renderRows(rows: readonly ResultRow[]): string {
  return table(
    ['operation', 'variant', 'samples', 'median ms', 'p95 ms', 'ratio to baseline', 'note'],
    rows.map((r) => [
      r.operation,
      r.variant,
      String(r.samples),
      ms(r.medianMs),
      ms(r.p95Ms),
      r.ratio === null ? 'baseline' : ratio(r.ratio),
      r.note ?? '',
    ]),
  );
}

export function renderSection(index: number, s: Section): string {
  const parts = [`## ${index}. ${s.title}`, '', ...s.intro, ''];
  if (s.rows.length > 0) parts.push(renderRows(s.rows), '');
  for (const e of s.extra) parts.push(e, '');
  if (s.targets.length > 0) {
    parts.push(
      table(
        ['target', 'result', 'measured'],
        s.targets.map((t) => [
          t.target,
          t.met === null ? 'reported' : t.met ? 'met' : 'missed',
          t.figure,
        ]),
      ),
      '',
    );
  }
  if (s.explains.length > 0) {
    parts.push('<details><summary>EXPLAIN (ANALYZE, BUFFERS)</summary>', '');
    for (const e of s.explains)
      parts.push(`**${e.title}**`, '', '```', e.plan.trimEnd(), '```', '');
    parts.push('</details>', '');
  }
  parts.push(`_Case time: ${(s.elapsedMs / 1000).toFixed(1)} s._`, '');
  return parts.join('\n');
}

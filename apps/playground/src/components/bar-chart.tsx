/** Small horizontal bar charts (stacked by series), drawn with CSS; pure, no hooks. */

export interface Series {
  readonly key: string;
  readonly label: string;
  readonly color: string;
}

export interface ChartRow {
  readonly label: string;
  readonly values: Readonly<Record<string, number>>;
}

export const SERIES_COLORS = ['#2f5fd0', '#1f7a44', '#c2410c', '#7c3aed', '#0e7490', '#a16207'];

export function BarChart({
  title,
  series,
  rows,
  format,
  testId,
}: {
  title: string;
  series: readonly Series[];
  rows: readonly ChartRow[];
  format: (n: number) => string;
  testId?: string;
}) {
  const totals = rows.map((r) => series.reduce((n, s) => n + (r.values[s.key] ?? 0), 0));
  const max = Math.max(1, ...totals);
  return (
    <div className="chart" data-testid={testId}>
      <h3>{title}</h3>
      {rows.map((r, i) => (
        <div className="chart-row" key={r.label} data-testid="chart-row">
          <span className="label">{r.label}</span>
          <span
            className="bar"
            role="img"
            aria-label={`${r.label}: ${series
              .map((s) => `${s.label} ${format(r.values[s.key] ?? 0)}`)
              .join(', ')}`}
          >
            {series.map((s) =>
              (r.values[s.key] ?? 0) > 0 ? (
                <span
                  key={s.key}
                  title={`${s.label}: ${format(r.values[s.key] ?? 0)}`}
                  style={{ width: `${((r.values[s.key] ?? 0) / max) * 100}%`, background: s.color }}
                />
              ) : null,
            )}
          </span>
          <span className="value">{format(totals[i] ?? 0)}</span>
        </div>
      ))}
      {series.length > 1 ? (
        <div className="diagram-legend">
          {series.map((s) => (
            <span key={s.key}>
              <b style={{ color: s.color }}>■</b> {s.label}
            </span>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** `12 kB`, `1.4 MB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** `1 row`, `12 rows`. */
export function rowsText(n: number): string {
  return `${n} ${n === 1 ? 'row' : 'rows'}`;
}

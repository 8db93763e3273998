/** A value as a table cell shows it: timestamps to the second, arrays as lists, JSON compact. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    const ts = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(value);
    if (ts) return `${ts[1]} ${ts[2]}${ts[3] === 'Z' || ts[3] === '+00:00' ? ' UTC' : ` ${ts[3]}`}`;
    return value;
  }
  if (value instanceof Date) return showValue(value.toISOString());
  if (Array.isArray(value))
    return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

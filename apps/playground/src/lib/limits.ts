/**
 * What each action accepts, stated next to its form and checked twice: in the page before
 * anything is sent (so a too-large input never reaches Next's 1 MB Server Action body limit and
 * is never lost), and again by the action itself.
 */
export const LIMITS = {
  /** Next.js refuses Server Action bodies above this (its default `bodySizeLimit`). */
  requestBytes: 1_000_000,
  /** A pasted module definition. */
  definitionBytes: 200_000,
  /** One row of the Data screen's form, all fields together. */
  rowBytes: 256_000,
  /** One filter value. */
  filterValueChars: 1_000,
  /** Conditions in a compound filter. */
  filterConditions: 12,
} as const;

/** UTF-8 length of a string, as it travels. */
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** `200 kB`, `1.2 MB`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${Math.round(n / 1000)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

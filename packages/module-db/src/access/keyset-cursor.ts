import { QueryValidationError } from '../errors';

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder('utf-8', { fatal: true }).decode(
    Uint8Array.from(binary, (c) => c.charCodeAt(0)),
  );
}

/** Encodes the sort values of a page's last row as an opaque cursor (browser-safe). */
export function encodeCursor(values: readonly unknown[]): string {
  return toBase64Url(JSON.stringify(values));
}

/**
 * Decodes a cursor into `count` sort values. A cursor that is not ours (wrong shape, wrong
 * length, too long) is a QueryValidationError: the values are checked again by the caller.
 */
export function decodeCursor(cursor: unknown, count: number): unknown[] {
  if (
    typeof cursor !== 'string' ||
    cursor.length === 0 ||
    cursor.length > 4096 ||
    !/^[A-Za-z0-9_-]+$/.test(cursor)
  ) {
    throw new QueryValidationError('invalid cursor', 'cursor');
  }
  let values: unknown;
  try {
    values = JSON.parse(fromBase64Url(cursor));
  } catch {
    throw new QueryValidationError('invalid cursor', 'cursor');
  }
  if (!Array.isArray(values) || values.length !== count) {
    throw new QueryValidationError('cursor does not match the sort order', 'cursor');
  }
  return values;
}

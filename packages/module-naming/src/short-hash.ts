import { ModuleNamingError, quote } from './errors';
import { utf8Bytes } from './utf8';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/**
 * A short, deterministic, non-cryptographic hash: 8 lower-case hex digits. It is 64-bit
 * FNV-1a over the UTF-8 bytes, folded to 32 bits by XOR of the two halves (the low bits of
 * FNV alone mix poorly). Pure JavaScript, identical in Node and browsers.
 *
 * @example
 * ```ts
 * shortHash('idx_contacts_site_id'); // 8 hex digits, always the same for this input
 * ```
 *
 * @throws {ModuleNamingError} `INVALID_ARGUMENT` when `input` is not a string.
 */
export function shortHash(input: string): string {
  if (typeof input !== 'string') {
    throw new ModuleNamingError(
      'INVALID_ARGUMENT',
      `shortHash() expects a string, got ${quote(input)}.`,
      {
        value: input,
      },
    );
  }
  let hash = FNV_OFFSET;
  for (const byte of utf8Bytes(input)) {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  }
  const folded = (hash >> 32n) ^ (hash & 0xffffffffn);
  return folded.toString(16).padStart(8, '0');
}

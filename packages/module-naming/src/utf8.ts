const encoder = new TextEncoder();

/** The UTF-8 encoding of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The length of `text` in UTF-8 bytes, the unit PostgreSQL's identifier limit is counted in. */
export function utf8ByteLength(text: string): number {
  return encoder.encode(text).length;
}

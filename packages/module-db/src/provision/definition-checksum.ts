import { createHash } from 'node:crypto';
import type { ValidatedModuleDefinition } from '../definition/validated-definition';

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The checksum the registry keeps for a definition: SHA-256 of its canonical JSON (keys sorted),
 * so the same definition always gives the same checksum, whatever the key order it was written in.
 *
 * @example
 * definitionChecksum(await validateModuleDefinition(crm)); // 'sha256:3f2a...'
 */
export function definitionChecksum(definition: ValidatedModuleDefinition): string {
  return `sha256:${createHash('sha256').update(canonicalJson(definition.source)).digest('hex')}`;
}

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DRAMAC_VERSIONS, TOOL_VERSIONS } from './scaffold-versions';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** The `catalog:` entries of pnpm-workspace.yaml (`name: range` lines under `catalog:`). */
function catalog(): Record<string, string> {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = text.split(/^catalog:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  const entries: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const match = /^\s+"?([^":]+)"?:\s*(\S+)\s*$/.exec(line);
    if (match) entries[match[1] as string] = match[2] as string;
  }
  return entries;
}

describe('the versions a scaffolded module project depends on', () => {
  it("are the repository catalog's tool versions", () => {
    const pinned = catalog();
    for (const [name, range] of Object.entries(TOOL_VERSIONS)) {
      expect({ name, range }).toEqual({ name, range: pinned[name] });
    }
  });

  it("are the @dramac packages' own versions", () => {
    for (const [name, range] of Object.entries(DRAMAC_VERSIONS)) {
      const folder = name.replace('@dramac/', '');
      const { version } = JSON.parse(
        readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8'),
      );
      expect(range).toBe(`^${version}`);
    }
  });
});

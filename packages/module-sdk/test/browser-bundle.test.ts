// A browser bundle of the SDK with the Supabase transport (and supabase-js itself, to be honest
// about size) must not pull server-only code: no pg, no Kysely, no PostgreSQL parser, no Node
// builtins, none of @dramac/module-db's server-side modules.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ENTRY = `
import { createDatabaseSDK } from '@dramac/module-sdk';
import { createSupabaseTransport } from '@dramac/module-db/client';
import { createClient } from '@supabase/supabase-js';

export function connect(definition, siteId, url, anonKey, accessToken) {
  const supabase = createClient(url, anonKey, { accessToken: async () => accessToken });
  return createDatabaseSDK({ definition, siteId, transport: createSupabaseTransport(supabase) });
}
`;

/** Server-only packages, wherever pnpm puts them. */
const SERVER_PACKAGES = /node_modules\/(pg|pg-[a-z]+|kysely|libpg-query)\//;
/** Server-side parts of @dramac/module-db (provisioning, planner, parser, Postgres transport). */
const SERVER_SOURCES =
  /module-db\/src\/(provision|plan|sql|platform|lifecycle)\/|module-db\/src\/access\/(postgres-transport|module-admin-client)\.ts$/;

let metafile: Metafile;
let bytes: Uint8Array;

beforeAll(async () => {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: packageRoot, sourcefile: 'browser-entry.js' },
    bundle: true,
    write: false,
    metafile: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // Bundle the workspace packages from source, as the tests import them.
    conditions: ['@dramac/source', 'module'],
    logLevel: 'silent',
  });
  metafile = result.metafile;
  bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
}, 60_000);

describe('browser bundle of @dramac/module-sdk + the Supabase transport', () => {
  it('pulls in no server-only package or module', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((p) => p.includes('module-sdk/src/module-database-sdk.ts'))).toBe(true);
    expect(inputs.some((p) => p.includes('module-db/src/access/supabase-transport.ts'))).toBe(true);
    expect(inputs.filter((p) => SERVER_PACKAGES.test(p))).toEqual([]);
    expect(inputs.filter((p) => SERVER_SOURCES.test(p))).toEqual([]);
  });

  it('imports no Node builtin', () => {
    const imports = Object.values(metafile.inputs).flatMap((input) => input.imports);
    const builtins = imports.filter((i) => i.path.startsWith('node:') || i.external);
    expect(builtins.map((i) => i.path)).toEqual([]);
  });

  it('reports its size', () => {
    const kib = (n: number) => (n / 1024).toFixed(1);
    const size = bytes.byteLength;
    const gzip = gzipSync(bytes).byteLength;
    const output = Object.values(metafile.outputs)[0];
    const ours = Object.entries(output?.inputs ?? {})
      .filter(([p]) => !p.includes('node_modules/'))
      .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    console.log(
      `[browser-bundle] ${kib(size)} KiB minified, ${kib(gzip)} KiB gzipped, supabase-js included ` +
        `(${Object.keys(metafile.inputs).length} inputs; the SDK, data client and transport: ${kib(ours)} KiB of it)`,
    );
    expect(size).toBeGreaterThan(0);
  });
});

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);

// The workspace packages the playground imports (and the ones they import in turn).
const WORKSPACE_PACKAGES = [
  '@dramac/module-db',
  '@dramac/module-sdk',
  '@dramac/module-naming',
  '@dramac/example-crm-module',
];

/**
 * Turbopack has no setting for extra export conditions, so the packages' `@dramac/source`
 * condition (their TypeScript sources, as tests and `tsx --conditions` use them) is mapped by
 * hand: for every subpath a package exports, the file its exports map names under that condition.
 * Only exported subpaths are aliased, so the app still reaches nothing a package does not export,
 * and no `pnpm build` of the packages is needed before `pnpm dev`.
 */
function sourceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  const fromApp = (file: string) => `./${relative(here, file)}`;
  for (const name of WORKSPACE_PACKAGES) {
    const manifestPath = require.resolve(`${name}/package.json`, {
      paths: [here, join(root, 'packages', 'module-sdk')],
    });
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      exports: Record<string, string | Record<string, unknown>>;
    };
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === './package.json') continue;
      const source = typeof target === 'string' ? target : target['@dramac/source'];
      if (typeof source !== 'string') continue;
      const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
      aliases[specifier] = fromApp(join(dirname(manifestPath), source));
    }
  }
  return aliases;
}

const nextConfig: NextConfig = {
  // libpg-query loads its WebAssembly from its own folder; pg has optional native bindings.
  serverExternalPackages: ['libpg-query', 'pg'],
  turbopack: {
    root,
    resolveAlias: sourceAliases(),
  },
  outputFileTracingRoot: root,
  // The build writes to PLAYGROUND_DIST_DIR when set (the browser test builds into a temp dir so
  // it never disturbs a running `pnpm dev`).
  distDir: process.env.PLAYGROUND_DIST_DIR ?? '.next',
  devIndicators: false,
  // The browser test builds with PLAYGROUND_SKIP_TYPECHECK=1: `pnpm typecheck` checks the app
  // already, and the second check inside `next build` doubles the test's build time.
  typescript: { ignoreBuildErrors: process.env.PLAYGROUND_SKIP_TYPECHECK === '1' },
  poweredByHeader: false,
};

export default nextConfig;

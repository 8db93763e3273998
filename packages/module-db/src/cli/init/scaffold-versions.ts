// The versions a new module project depends on. The @dramac packages' own versions are read from
// their package.json files at build time (tsup inlines them), so a scaffold made by this CLI asks
// for the versions released with it.

import { version as moduleSdkVersion } from '../../../../module-sdk/package.json';
import { version as moduleTestingVersion } from '../../../../module-testing/package.json';
import { version as moduleDbVersion } from '../../../package.json';

/** The published packages a module project uses, at the versions released with this CLI. */
export const DRAMAC_VERSIONS = Object.freeze({
  '@dramac/module-db': `^${moduleDbVersion}`,
  '@dramac/module-sdk': `^${moduleSdkVersion}`,
  '@dramac/module-testing': `^${moduleTestingVersion}`,
});

/**
 * The tools a module project uses, as this repository's catalog (pnpm-workspace.yaml) pins them:
 * a unit test keeps the two in step.
 */
export const TOOL_VERSIONS = Object.freeze({
  '@types/node': '^24.0.0',
  pg: '^8.23.1',
  typescript: '~6.0.3',
  vitest: '^5.1.1',
});

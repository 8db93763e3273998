import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CliError, EXIT_CODES } from '../exit-codes';

/** The module project `dramac-modules dev` runs for. */
export interface ModuleProject {
  /** The folder holding its package.json (else the current folder). */
  readonly root: string;
  /** Its package name, when it has one. */
  readonly name: string | undefined;
  /** Definition files: the arguments, else package.json `dramac.modules`, else src/module.ts. */
  readonly moduleFiles: readonly string[];
  /** Where the files came from, for messages. */
  readonly moduleFilesFrom: 'arguments' | 'package.json dramac.modules' | 'src/module.ts' | 'none';
}

/** Conventional definition files, looked for when nothing names one. */
const CONVENTIONAL = ['src/module.ts', 'src/module.js', 'module.ts', 'module.js'];

/**
 * Finds the project: the nearest folder from `cwd` up that holds a package.json, and its module
 * definition files: `args` when given, else package.json's `dramac.modules` (paths relative to
 * the project), else `src/module.ts` when it exists.
 *
 * @example
 * findModuleProject(process.cwd(), []).moduleFiles; // ['/work/my-module/src/module.ts']
 * @throws CliError `INVALID_PACKAGE_JSON` (exit 2) when package.json does not parse or
 * `dramac.modules` is not a list of strings; `FILE_NOT_FOUND` (exit 2) for a listed file that is
 * missing.
 */
export function findModuleProject(cwd: string, args: readonly string[]): ModuleProject {
  let root = resolve(cwd);
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  if (!existsSync(join(root, 'package.json'))) root = resolve(cwd);
  let manifest: { name?: unknown; dramac?: { modules?: unknown } } = {};
  const manifestPath = join(root, 'package.json');
  if (existsSync(manifestPath)) {
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    } catch (error) {
      throw new CliError(
        'INVALID_PACKAGE_JSON',
        EXIT_CODES.USAGE,
        `${manifestPath} is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const name = typeof manifest.name === 'string' ? manifest.name : undefined;
  const check = (files: readonly string[], from: ModuleProject['moduleFilesFrom']) => {
    for (const file of files) {
      if (!existsSync(file)) {
        throw new CliError(
          'FILE_NOT_FOUND',
          EXIT_CODES.USAGE,
          `${relative(cwd, file) || file} (from ${from}) does not exist`,
          { details: { file } },
        );
      }
    }
    return { root, name, moduleFiles: files, moduleFilesFrom: from };
  };
  if (args.length > 0) {
    return check(
      args.map((a) => resolve(cwd, a)),
      'arguments',
    );
  }
  const listed = manifest.dramac?.modules;
  if (listed !== undefined) {
    if (!Array.isArray(listed) || listed.some((f) => typeof f !== 'string' || f === '')) {
      throw new CliError(
        'INVALID_PACKAGE_JSON',
        EXIT_CODES.USAGE,
        `${manifestPath}: "dramac.modules" must be a list of definition files, e.g. ["src/module.ts"]`,
      );
    }
    return check(
      (listed as string[]).map((f) => resolve(root, f)),
      'package.json dramac.modules',
    );
  }
  const found = CONVENTIONAL.map((f) => join(root, f)).find((f) => existsSync(f));
  return found
    ? { root, name, moduleFiles: [found], moduleFilesFrom: 'src/module.ts' }
    : { root, name, moduleFiles: [], moduleFilesFrom: 'none' };
}

import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import { GLOBAL_OPTIONS_HELP, stringOption } from '../command-support';
import { CliError, EXIT_CODES, invalidOption } from '../exit-codes';
import { moduleScaffold } from '../init/module-scaffold';

const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** A package name from a folder name: lower case, npm-safe. */
function packageNameFrom(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._~-]+|-+$/g, '');
  return name === '' ? 'my-module' : name;
}

/** `my-module` -> `My module`. */
function displayNameFrom(packageName: string): string {
  const bare = packageName.replace(/^@[^/]+\//, '').replace(/[-._~]+/g, ' ');
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

/** `dramac-modules init <dir>`: scaffolds a module project. */
export const initCommand: CliCommand = {
  name: 'init',
  summary: 'create a module project (definition, service, tests with the test kit) in <dir>',
  help: `Usage: dramac-modules init <dir> [options]

Creates a module project in <dir> (a new or empty folder) whose types check and whose tests pass
on the first "npm install && npm test": package.json, a strict tsconfig (skipLibCheck false),
src/module.ts (the definition, under a new module id), src/tasks.ts (a small service written
against @dramac/module-sdk), test/tasks.test.ts (its tests with @dramac/module-testing, on a
disposable PostgreSQL), a vitest config, .gitignore and a README. Then:

  cd <dir> && npm install && npm test
  npm run dev      # a local platform with this module installed

Options:
  --name <package>  the package name (default: from the folder's name)
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 created; 2 no folder given or a bad --name; 9 the folder exists and is not empty
(nothing is written).`,
  options: { name: { type: 'string' } },
  async run(context: CommandContext): Promise<CommandResult> {
    if (context.args.length !== 1) {
      throw new CliError(
        'USAGE',
        EXIT_CODES.USAGE,
        `init takes one folder, got ${context.args.length}: dramac-modules init my-module`,
      );
    }
    const dir = resolve(context.args[0] as string);
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory() || readdirSync(dir).length > 0) {
        throw new CliError(
          'DIRECTORY_NOT_EMPTY',
          EXIT_CODES.FILE_EXISTS,
          `${relative(process.cwd(), dir) || dir} exists and is not an empty folder: nothing was written (pick a new folder)`,
          { details: { directory: dir } },
        );
      }
    }
    const packageName = stringOption(context, 'name') ?? packageNameFrom(basename(dir));
    if (!PACKAGE_NAME.test(packageName) || packageName.length > 214) {
      throw invalidOption(
        '--name',
        `"${packageName}" is not a valid npm package name (lower case letters, digits, - . _ ~, optionally @scope/)`,
        packageName,
      );
    }
    const moduleId = randomUUID();
    const files = moduleScaffold({
      packageName,
      displayName: displayNameFrom(packageName),
      moduleId,
    });
    for (const file of files) {
      const path = join(dir, file.path);
      await mkdir(dirname(path), { recursive: true });
      // 'wx': never overwrite, even if something appeared meanwhile.
      await writeFile(path, file.text, { flag: 'wx' });
    }
    const shown = relative(process.cwd(), dir) || '.';
    context.out.line(`created ${packageName} in ${shown} (module id ${moduleId}):`);
    for (const file of files) context.out.line(`  ${file.path}`);
    context.out.line('');
    context.out.line('Next:');
    context.out.line(`  cd ${shown} && npm install && npm test`);
    context.out.line('  npm run dev      a local platform with the module installed');
    return {
      json: { directory: dir, packageName, moduleId, files: files.map((f) => f.path) },
    };
  },
};

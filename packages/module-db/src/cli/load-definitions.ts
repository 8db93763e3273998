import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, EXIT_CODES } from './exit-codes';

/** One module definition read from a file, with where it came from. */
export interface LoadedDefinition {
  /** The definition as found (validated later, with every other one, before anything runs). */
  readonly definition: unknown;
  /** `file` or `file#exportName`, for messages. */
  readonly source: string;
}

const SCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

/** Whether a value looks like a module definition (validation proper comes later). */
function looksLikeDefinition(value: unknown): value is { moduleId: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'moduleId' in value &&
    'tables' in value
  );
}

/** Definitions held by a JSON document or a module's default export. */
function fromValue(value: unknown, source: string): LoadedDefinition[] {
  if (Array.isArray(value)) {
    return value.map((definition, i) => ({ definition, source: `${source}[${i}]` }));
  }
  if (looksLikeDefinition(value)) return [{ definition: value, source }];
  if (typeof value === 'object' && value !== null && Array.isArray((value as any).modules)) {
    return fromValue((value as any).modules, `${source}.modules`);
  }
  return [];
}

function loadFailure(file: string, error: unknown): CliError {
  const code = (error as { code?: unknown } | null)?.code;
  const ts = TYPESCRIPT_EXTENSIONS.has(extname(file));
  const hint = ts
    ? " TypeScript files load through Node's type stripping (Node 22.18+, 23.6+) only when they " +
      'and their imports are plain ESM with file extensions; otherwise run the CLI through tsx: ' +
      '`npx tsx node_modules/@dramac/module-db/dist/cli.js ...` or `NODE_OPTIONS="--import tsx"`.'
    : '';
  const what = error instanceof Error ? error.message : String(error);
  return new CliError(
    'DEFINITION_LOAD_FAILED',
    EXIT_CODES.DEFINITION_INVALID,
    `cannot load ${file}${typeof code === 'string' ? ` (${code})` : ''}: ${what}.${hint}`,
    { cause: error },
  );
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * On a Node without type stripping (before 22.18 unless flagged), registers tsx's ESM loader when
 * the project has tsx installed, so TypeScript definitions load anyway. Without tsx the import
 * fails and {@link loadFailure} says what to do.
 */
function ensureTypeScriptLoader(): Promise<void> {
  if ((process.features as { typescript?: unknown }).typescript) return Promise.resolve();
  typeScriptLoader ??= (async () => {
    try {
      const require = createRequire(pathToFileURL(join(process.cwd(), 'noop.js')).href);
      const api = require.resolve('tsx/esm/api');
      const { register } = (await import(pathToFileURL(api).href)) as { register: () => unknown };
      register();
    } catch {
      // no tsx next to the project: the import below reports the file
    }
  })();
  return typeScriptLoader;
}

/** The definitions of one file (see {@link loadDefinitions}). */
async function loadFile(file: string, exportName?: string): Promise<LoadedDefinition[]> {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  let found: LoadedDefinition[];
  if (ext === '.json') {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw loadFailure(file, error);
    }
    found = fromValue(value, file);
  } else if (SCRIPT_EXTENSIONS.has(ext)) {
    let mod: Record<string, unknown>;
    try {
      if (TYPESCRIPT_EXTENSIONS.has(ext)) await ensureTypeScriptLoader();
      mod = await import(pathToFileURL(path).href);
    } catch (error) {
      throw loadFailure(file, error);
    }
    if (exportName !== undefined) {
      const picked =
        mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
      if (picked === undefined) {
        throw new CliError(
          'EXPORT_NOT_FOUND',
          EXIT_CODES.USAGE,
          `${file} has no export named ${exportName}`,
        );
      }
      found = fromValue(picked, `${file}#${exportName}`);
    } else {
      found = fromValue(mod.default, `${file}#default`);
      if (found.length === 0) {
        // Named exports; a CommonJS module's exports arrive as the default object.
        const named =
          Object.keys(mod).length > 1 || !('default' in mod)
            ? mod
            : ((mod.default as Record<string, unknown>) ?? {});
        found = Object.entries(named)
          .filter(([name, value]) => name !== 'default' && looksLikeDefinition(value))
          .map(([name, definition]) => ({ definition, source: `${file}#${name}` }));
      }
    }
  } else {
    throw new CliError(
      'DEFINITION_LOAD_FAILED',
      EXIT_CODES.DEFINITION_INVALID,
      `cannot load ${file}: expected a .json, .ts, .mts, .cts, .js, .mjs or .cjs file`,
    );
  }
  if (found.length === 0) {
    throw new CliError(
      'DEFINITION_LOAD_FAILED',
      EXIT_CODES.DEFINITION_INVALID,
      `${file} holds no module definition (an object with moduleId and tables)`,
    );
  }
  return found;
}

/**
 * Reads the module definitions in `files`, in order. Each file is a `.json` file holding one definition, an array of them
 * or `{ "modules": [...] }`; or a TypeScript/JavaScript module, imported, whose default export is
 * one of those, or else whose named exports that look like definitions are taken in order.
 * `exportName` picks one named export.
 *
 * @throws CliError `DEFINITION_LOAD_FAILED` (exit 4) when the file cannot be read or imported or
 * holds no definition; `USAGE` (exit 2) when `exportName` is missing or the file defines the same
 * module twice (two versions: pick one with `--export`).
 */
export async function loadDefinitions(
  files: readonly string[],
  exportName?: string,
): Promise<LoadedDefinition[]> {
  const found: LoadedDefinition[] = [];
  for (const file of files) found.push(...(await loadFile(file, exportName)));
  const byId = new Map<string, string>();
  for (const { definition, source } of found) {
    const id = String((definition as { moduleId?: unknown }).moduleId).toLowerCase();
    const earlier = byId.get(id);
    if (earlier !== undefined) {
      throw new CliError(
        'DUPLICATE_MODULE',
        EXIT_CODES.USAGE,
        `${earlier} and ${source} define the same module ${id}: pick one with --export <name>`,
      );
    }
    byId.set(id, source);
  }
  return found;
}

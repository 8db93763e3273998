import { randomUUID } from 'node:crypto';
import { type FileHandle, link, lstat, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, EXIT_CODES, invalidOption } from './exit-codes';

/** A file reserved for an export: nothing at its path yet, a private temporary file beside it. */
export interface ReservedExportFile {
  /** Absolute path the export will have. */
  readonly path: string;
  /**
   * Writes `value` as JSON to the temporary file, flushes it to disk, then gives it its final
   * name without ever replacing a file (a hard link, which fails if the name exists), and flushes
   * the directory. Afterwards the file is complete at `path`, or not there at all.
   *
   * @throws CliError `EXPORT_FILE_EXISTS` (exit 9) when a file appeared at `path` meanwhile;
   * the file system's error when writing fails.
   */
  write(value: unknown): Promise<void>;
  /** Removes the temporary file (after a failure, or when nothing was written). */
  discard(): Promise<void>;
}

const code = (error: unknown) => (error as { code?: unknown } | null)?.code;

function exists(path: string, option: string): CliError {
  return new CliError(
    'EXPORT_FILE_EXISTS',
    EXIT_CODES.FILE_EXISTS,
    `${option}: ${path} exists already. An export is never overwritten (it may be the only copy of rows that were deleted): name a new file, or move that one away`,
    { details: { option, path } },
  );
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms cannot open or fsync a directory; the file itself is synced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Reserves `file` for an export before any work starts: refuses a path where anything exists
 * (a file, a directory, a dangling link), checks that its directory exists and is writable by
 * creating the temporary file there (mode 0600: exports hold tenants' rows).
 *
 * @example
 * const target = await reserveExportFile('rows.json', '--export-to');
 * try { await target.write(rows); } finally { await target.discard(); }
 * @throws CliError `EXPORT_FILE_EXISTS` (exit 9) when the path is taken; `INVALID_OPTION`
 * (exit 2, naming `option`) when its directory is missing or not writable.
 */
export async function reserveExportFile(file: string, option: string): Promise<ReservedExportFile> {
  const path = resolve(file);
  try {
    await lstat(path);
    throw exists(path, option);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (code(error) !== 'ENOENT') {
      throw invalidOption(option, `cannot use ${path}: ${(error as Error).message}`, file);
    }
  }
  const dir = dirname(path);
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) {
    throw invalidOption(option, `the directory ${dir} does not exist`, file);
  }
  const temporary = join(dir, `.${basename(path)}.${process.pid}-${randomUUID().slice(0, 8)}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'wx', 0o600);
  } catch (error) {
    throw invalidOption(option, `cannot write in ${dir}: ${(error as Error).message}`, file);
  }
  return {
    path,
    async write(value: unknown) {
      if (!handle) throw new Error('export file already written or discarded');
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
      await handle.sync();
      await handle.close();
      handle = undefined;
      try {
        await link(temporary, path);
      } catch (error) {
        if (code(error) === 'EEXIST') throw exists(path, option);
        // A file system without hard links: rename, after one more look (rename would replace).
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(String(code(error)))) {
          throw error;
        }
        if (
          await lstat(path).then(
            () => true,
            () => false,
          )
        )
          throw exists(path, option);
        await rename(temporary, path);
      }
      await unlink(temporary).catch(() => undefined);
      await syncDirectory(dir);
    },
    async discard() {
      await handle?.close().catch(() => undefined);
      handle = undefined;
      // After a successful write the temporary name is already gone (or a second link to it).
      await unlink(temporary).catch(() => undefined);
    },
  };
}

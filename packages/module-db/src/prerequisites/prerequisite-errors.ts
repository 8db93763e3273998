import { ModuleDbError, type ModuleDbErrorOptions } from '../errors';

/** The PostgreSQL major versions this package supports (Supabase runs 15 and 17). */
export const SUPPORTED_POSTGRES_VERSIONS = Object.freeze({ min: 15, max: 17 } as const);

/** `15-17`: the supported range as the error messages and READMEs print it. */
export const SUPPORTED_POSTGRES_RANGE = `${SUPPORTED_POSTGRES_VERSIONS.min}-${SUPPORTED_POSTGRES_VERSIONS.max}`;

/**
 * The server runs a PostgreSQL version outside {@link SUPPORTED_POSTGRES_VERSIONS}. Thrown before
 * anything runs, with the version found (`server_version`) and the supported range.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'POSTGRES_VERSION_UNSUPPORTED') console.log(e.found, e.supported); }
 */
export class UnsupportedPostgresVersionError extends ModuleDbError {
  /** `server_version` as the server reports it, e.g. `18.1` or `14.12 (Debian 14.12-1)`. */
  readonly found: string;
  /** `server_version_num`, e.g. `180001`. */
  readonly foundNum: number;
  /** The supported major versions, e.g. `15-17`. */
  readonly supported: string;

  constructor(found: string, foundNum: number, options: ModuleDbErrorOptions = {}) {
    super(
      'POSTGRES_VERSION_UNSUPPORTED',
      `PostgreSQL ${found} is not supported: @dramac/module-db supports PostgreSQL ${SUPPORTED_POSTGRES_RANGE} ` +
        `(Supabase runs 15 and 17); use a server of one of those versions`,
      options,
    );
    this.name = 'UnsupportedPostgresVersionError';
    this.found = found;
    this.foundNum = foundNum;
    this.supported = SUPPORTED_POSTGRES_RANGE;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), found: this.found, supported: this.supported };
  }
}

/** What kind of object a {@link MissingPrerequisite} is. */
export type PrerequisiteKind = 'table' | 'column' | 'role' | 'privilege' | 'platform';

/** One thing the database lacks, and what to do about it. */
export interface MissingPrerequisite {
  readonly kind: PrerequisiteKind;
  /** The object: `public.sites`, `public.clients.agency_id`, `CREATEROLE`, `platform version 7`. */
  readonly name: string;
  /** What to do, for people. */
  readonly remedy: string;
}

/**
 * The database lacks platform tables, roles or privileges an operation needs. `missing` names
 * each one with what to do; nothing ran.
 *
 * @example
 * catch (e) { if (isModuleDbError(e) && e.code === 'PREREQUISITE_MISSING') for (const m of e.missing) console.log(m.name, m.remedy); }
 */
export class PrerequisiteMissingError extends ModuleDbError {
  /** Every missing prerequisite found (not only the first). */
  readonly missing: readonly MissingPrerequisite[];

  constructor(
    operation: string,
    missing: readonly MissingPrerequisite[],
    options: ModuleDbErrorOptions = {},
  ) {
    const names = missing.map((m) => m.name).join(', ');
    const remedies = [...new Set(missing.map((m) => m.remedy))].join(' ');
    super(
      'PREREQUISITE_MISSING',
      `${operation} needs what this database does not have: ${names}. ${remedies}`,
      options,
    );
    this.name = 'PrerequisiteMissingError';
    this.missing = Object.freeze(missing.map((m) => Object.freeze({ ...m })));
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), missing: this.missing };
  }
}

import { type Kysely, sql } from 'kysely';
import type { JsonValue } from '../definition/json-value';
import { DefinitionValidationError } from '../errors';
import { toModuleDbError } from '../provision/postgres-error';
import { parseModuleId } from './parse-lifecycle-ids';

/** What happened to a module, as `public.module_database_events` records it. */
export type ModuleEventKind =
  | 'provisioned'
  | 'upgraded'
  | 'repaired'
  | 'site_installed'
  | 'site_purged'
  | 'deprecated'
  | 'deprovisioned'
  /** An online index build of an upgrade began an attempt (`details`: index, attempt, droppingInvalid). */
  | 'index_build_started'
  /** An attempt failed (`details.error`); the next call retries it. */
  | 'index_build_failed'
  /** The index was built and the module's end state proven. */
  | 'index_built';

/** One entry of the module event log. */
export interface ModuleEvent {
  /** The log's bigint identity, as a string. */
  readonly id: string;
  readonly moduleId: string;
  readonly shortId: string;
  readonly event: ModuleEventKind;
  /** The site, for `site_installed` and `site_purged`. */
  readonly siteId: string | null;
  /** Who asked (the `actor` option of the call). */
  readonly actor: string | null;
  /** What was done: versions, tables, counts. */
  readonly details: { readonly [key: string]: JsonValue };
  /** ISO timestamp. */
  readonly createdAt: string;
}

/** Options of {@link listModuleEvents}. */
export interface ListModuleEventsOptions {
  /** At most this many events, newest kept (default 200, at most 10000). */
  readonly limit?: number;
}

interface EventRow {
  id: string;
  module_id: string;
  module_short_id: string;
  event: ModuleEventKind;
  site_id: string | null;
  actor: string | null;
  details: { [key: string]: JsonValue };
  created_at: Date;
}

/**
 * The event log, oldest first: of one module, or of every module when `moduleId` is omitted.
 * Events outlive the module (a `deprovisioned` event stays).
 *
 * @example
 * const events = await listModuleEvents(db, crm.moduleId);
 * events.map((e) => e.event); // ['provisioned', 'site_installed', 'site_purged', 'deprovisioned']
 * @throws DefinitionValidationError for a `moduleId` that is not a UUID or a bad `limit`;
 * ProvisioningError when the log cannot be read.
 */
export async function listModuleEvents(
  db: Kysely<any>,
  moduleId?: string,
  options: ListModuleEventsOptions = {},
): Promise<readonly ModuleEvent[]> {
  const id = moduleId === undefined ? undefined : parseModuleId(moduleId);
  const limit = options.limit ?? 200;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new DefinitionValidationError([
      { path: 'limit', code: 'invalid_limit', message: 'limit must be an integer from 1 to 10000' },
    ]);
  }
  const where = id ? sql`where module_id = ${id.moduleId}::uuid` : sql``;
  try {
    const { rows } = await sql<EventRow>`
      select * from (
        select id::text as id, module_id, module_short_id, event, site_id, actor, details, created_at
        from public.module_database_events ${where}
        order by module_database_events.id desc limit ${limit}
      ) e order by e.id::bigint`.execute(db);
    return Object.freeze(
      rows.map((r) =>
        Object.freeze({
          id: r.id,
          moduleId: r.module_id,
          shortId: r.module_short_id,
          event: r.event,
          siteId: r.site_id,
          actor: r.actor,
          details: r.details,
          createdAt: new Date(r.created_at).toISOString(),
        }),
      ),
    );
  } catch (error) {
    throw toModuleDbError(error, 'reading the module event log failed');
  }
}

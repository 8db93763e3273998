import { getModuleAdminRoleName, isModuleId } from '@dramac/module-naming';
import type { Kysely } from 'kysely';
import { NotSupportedError, QueryValidationError } from '../errors';
import type { RequestContext } from './data-transport';
import { type ModuleDataClient, makeClient } from './module-data-client';
import { buildModuleMetadata, type ModuleDefinitionLike } from './module-metadata';
import { createPostgresTransport } from './postgres-transport';

/** Options of {@link createModuleAdminClient}. */
export interface ModuleAdminClientOptions {
  readonly definition: ModuleDefinitionLike;
  /** A server-side connection whose user is a member of `dramac_admin_api` (or a superuser). */
  readonly db: Kysely<any>;
  /** Limit the client to one site (filters and inserts), as the data client does. */
  readonly siteId?: string;
  /** Who acts, kept in the claims for auditing triggers and logs. */
  readonly actor?: string;
}

/**
 * The seed's `createModuleAdminClient`, server-only: runs as the module's admin role
 * (`modadmin_<id>`), which PostgreSQL grants this module's tables and nothing else. The role does
 * not bypass row-level security (it lost `BYPASSRLS` in platform migration 6): every site's rows
 * of this module reach it through the permissive `dramac_admin_access` policy on each of the
 * module's tables, and no other module's rows reach it at all. Without `siteId`, inserts must
 * name their `site_id`. There is no raw-SQL escape hatch (the seed's `rawQuery` is gone).
 *
 * @example
 * const admin = createModuleAdminClient({ definition: crm, db });
 * await admin.count('contacts'); // rows of every site
 * @throws QueryValidationError for a bad site id, and from its methods as the data client does.
 */
export function createModuleAdminClient(options: ModuleAdminClientOptions): ModuleDataClient {
  const metadata = buildModuleMetadata(options.definition);
  if (options.siteId !== undefined && !isModuleId(options.siteId)) {
    throw new QueryValidationError('siteId must be a UUID', 'siteId');
  }
  if (metadata.strategy === 'shared') {
    throw new NotSupportedError('widget modules have no admin role');
  }
  const role = getModuleAdminRoleName(metadata.shortId);
  const siteId = options.siteId?.toLowerCase();
  const context: RequestContext = Object.freeze({
    moduleId: metadata.moduleId,
    shortId: metadata.shortId,
    siteId: siteId ?? '',
    userId: undefined,
    role,
    claims: Object.freeze({
      role,
      ...(siteId ? { site_id: siteId } : {}),
      ...(options.actor ? { actor: options.actor } : {}),
    }),
  });
  return makeClient(metadata, context, createPostgresTransport(options.db), siteId !== undefined);
}

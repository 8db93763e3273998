import { type Kysely, sql } from 'kysely';
import { type DefinitionIssue, DefinitionValidationError, NotFoundError } from '../errors';
import { inTransaction } from './in-transaction';
import { type InstalledModule, loadInstalledModule } from './installed-module';
import { toLifecycleError } from './lifecycle-error';
import { parseModuleId, parseSiteId } from './parse-lifecycle-ids';

/** Options of {@link installModuleForSite}. */
export interface InstallModuleOptions {
  /**
   * Rows to write when the installation is created, by table name (logical, as declared). For a
   * widget (`shared` strategy) the keys are collections and each row is `{ key, value }`.
   * `site_id` is stamped from the `siteId` argument; a row naming another site is refused.
   */
  readonly seedRows?: Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>;
  /** Who asks (a user id, a service name): kept in the event log. */
  readonly actor?: string;
}

/** What {@link installModuleForSite} did. */
export interface InstallModuleResult {
  /** `already_installed`: nothing was written, seeds included (so retrying is safe). */
  readonly status: 'installed' | 'already_installed';
  readonly moduleId: string;
  readonly shortId: string;
  readonly siteId: string;
  /** Rows written per table (or collection). */
  readonly seeded: Readonly<Record<string, number>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLLECTION = /^[a-z_][a-z0-9_]{0,62}$/;

interface SeedBatch {
  /** Table or collection name, as given. */
  readonly name: string;
  readonly rows: Record<string, unknown>[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks every seed row against the provisioned definition (collecting every problem), stamps
 * `site_id`, and serialises json/jsonb values (the driver would turn a JS array into a
 * PostgreSQL array). Returns batches parents first.
 */
function prepareSeeds(
  module: InstalledModule,
  siteId: string,
  seedRows: NonNullable<InstallModuleOptions['seedRows']>,
): SeedBatch[] {
  const issues: DefinitionIssue[] = [];
  const batches = new Map<string, Record<string, unknown>[]>();
  const shared = module.entry.strategy === 'shared';
  if (!isPlainObject(seedRows)) {
    throw new DefinitionValidationError([
      { path: 'seedRows', code: 'invalid_seed_rows', message: 'seedRows must be an object' },
    ]);
  }
  for (const [name, rows] of Object.entries(seedRows)) {
    const path = `seedRows.${name}`;
    const table = module.tables.find((t) => t.table.name === name)?.table;
    if (shared ? !COLLECTION.test(name) : !table) {
      issues.push({
        path,
        code: shared ? 'invalid_collection' : 'unknown_table',
        message: shared
          ? `${name} is not a valid collection name`
          : `module ${module.entry.moduleId} has no table ${name}`,
      });
      continue;
    }
    if (!Array.isArray(rows)) {
      issues.push({ path, code: 'invalid_rows', message: 'expected an array of rows' });
      continue;
    }
    const columns = new Map(
      shared
        ? [
            ['key', 'text'],
            ['value', 'jsonb'],
          ]
        : (table?.columns ?? []).map((c) => [c.name, c.type.array ? 'array' : c.type.base]),
    );
    const prepared: Record<string, unknown>[] = [];
    rows.forEach((row, i) => {
      const rowPath = `${path}[${i}]`;
      if (!isPlainObject(row)) {
        issues.push({ path: rowPath, code: 'invalid_row', message: 'a row must be an object' });
        return;
      }
      const out: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(row)) {
        if (value === undefined) continue;
        if (column === 'site_id') {
          if (typeof value !== 'string' || !UUID.test(value) || value.toLowerCase() !== siteId) {
            issues.push({
              path: `${rowPath}.site_id`,
              code: 'site_mismatch',
              message: `a seed row for site ${siteId} names site ${String(value)}`,
            });
          }
          continue;
        }
        const type = columns.get(column);
        if (!type) {
          issues.push({
            path: `${rowPath}.${column}`,
            code: 'unknown_column',
            message: shared
              ? 'a widget row has only key and value'
              : `table ${name} has no column ${column}`,
          });
          continue;
        }
        out[column] =
          (type === 'jsonb' || type === 'json') && value !== null ? JSON.stringify(value) : value;
      }
      if (shared && typeof row.key !== 'string') {
        issues.push({
          path: `${rowPath}.key`,
          code: 'invalid_key',
          message: 'key must be a string',
        });
      }
      out.site_id = siteId;
      if (shared) {
        out.module_short_id = module.entry.shortId;
        out.collection = name;
      }
      prepared.push(out);
    });
    if (prepared.length > 0) batches.set(name, prepared);
  }
  if (issues.length > 0) throw new DefinitionValidationError(issues);
  // Parents first, so same-module foreign keys find their targets.
  const order = shared ? [...batches.keys()] : module.tables.map((t) => t.table.name);
  return order.filter((n) => batches.has(n)).map((n) => ({ name: n, rows: batches.get(n) ?? [] }));
}

/**
 * Installs a provisioned module on a site: records the installation (which the mandatory site
 * policy requires before the module can read or write any row of that site) and logs
 * `site_installed`. Idempotent: on an installed site it writes nothing and says
 * `already_installed`. With `seedRows`, writes them in the same transaction, through Kysely's
 * query builder, after checking every table and column against the provisioned definition.
 *
 * Seeding writes past row-level security, so the connection must be the platform's
 * administrative user (superuser, or `BYPASSRLS` such as Supabase's `postgres`).
 *
 * @example
 * await installModuleForSite(db, crm.moduleId, siteId, {
 *   actor: 'admin',
 *   seedRows: { companies: [{ name: 'Acme' }] },
 * }); // { status: 'installed', seeded: { companies: 1 }, ... }
 * @throws NotFoundError when the module is not provisioned or the site does not exist;
 * ConflictError when the module is deprecated; DefinitionValidationError for a bad id or seed
 * (`unknown_table`, `unknown_column`, `site_mismatch`, each with its path); AccessDeniedError or
 * ProvisioningError (with `sqlstate`) when PostgreSQL refuses a row. Nothing is written then.
 */
export async function installModuleForSite(
  db: Kysely<any>,
  moduleId: string,
  siteId: string,
  options: InstallModuleOptions = {},
): Promise<InstallModuleResult> {
  const id = parseModuleId(moduleId);
  const site = parseSiteId(siteId);
  const actor = options.actor ?? null;
  try {
    return await inTransaction(db, async (trx) => {
      const module = await loadInstalledModule(trx, id);
      const seeds = options.seedRows ? prepareSeeds(module, site, options.seedRows) : [];
      // FOR KEY SHARE: the site cannot be deleted while its installation is being written.
      const { rows: sites } = await sql`
        select 1 from public.sites where id = ${site}::uuid for key share`.execute(trx);
      if (sites.length === 0) throw new NotFoundError(`site ${site} does not exist`);

      const installedBy = actor && UUID.test(actor) ? actor : null;
      const { rows: inserted } = await sql`
        insert into public.module_site_installations (module_short_id, site_id, module_id, installed_by)
        values (${id.shortId}, ${site}::uuid, ${id.moduleId}::uuid, ${installedBy}::uuid)
        on conflict (module_short_id, site_id) do nothing
        returning site_id`.execute(trx);
      if (inserted.length === 0) {
        return Object.freeze({
          status: 'already_installed' as const,
          moduleId: id.moduleId,
          shortId: id.shortId,
          siteId: site,
          seeded: Object.freeze({}),
        });
      }

      const seeded: Record<string, number> = {};
      for (const batch of seeds) {
        const target =
          module.entry.strategy === 'shared'
            ? { schema: 'public', physical: 'module_data' }
            : module.tables.find((t) => t.table.name === batch.name);
        if (!target) throw new Error(`unchecked seed table ${batch.name}`);
        const result = await trx
          .withSchema(target.schema)
          .insertInto(target.physical)
          .values(batch.rows)
          .executeTakeFirst();
        seeded[batch.name] = Number(result.numInsertedOrUpdatedRows ?? 0n);
      }

      await sql`
        insert into public.module_database_events (module_id, module_short_id, event, site_id, actor, details)
        values (${id.moduleId}::uuid, ${id.shortId}, 'site_installed', ${site}::uuid, ${actor},
                ${JSON.stringify({ version: module.entry.version, seeded })}::jsonb)`.execute(trx);
      return Object.freeze({
        status: 'installed' as const,
        moduleId: id.moduleId,
        shortId: id.shortId,
        siteId: site,
        seeded: Object.freeze(seeded),
      });
    });
  } catch (error) {
    throw toLifecycleError(error, `installing module ${id.moduleId} on site ${site} failed`);
  }
}

import { type Kysely, sql } from 'kysely';
import { ProvisioningError } from '../errors';
import { toModuleDbError } from './postgres-error';

/** Options of {@link buildPendingIndexes}. */
export interface BuildIndexesOptions {
  /** Who asks: kept in the event log. */
  readonly actor?: string;
  /** How many attempts one index gets (an interrupted or failed build is cleaned up and retried). Default 3. */
  readonly attempts?: number;
}

/** What {@link buildPendingIndexes} did. */
export interface BuildIndexesResult {
  /** Indexes built and proven, in order. */
  readonly built: readonly string[];
  /** Attempts that failed and were retried. */
  readonly retries: number;
}

/** One pending index build, as `dramac_index_builds_pending` lists it. */
export interface PendingIndexBuild {
  readonly index: string;
  /** The physical table name. */
  readonly table: string;
  readonly status: 'pending' | 'building' | 'failed';
  readonly attempts: number;
  readonly lastError: string | null;
}

interface NextBuild {
  readonly index: string;
  readonly table: string;
  readonly owner: string;
  readonly attempt: number;
  readonly statements: readonly string[];
}

/**
 * The index builds a module still waits for (an upgrade recorded them; {@link buildPendingIndexes}
 * runs them). Empty when none, and for a caller that may not read them (`service_role`, which
 * never builds indexes online).
 *
 * @example
 * await pendingIndexBuilds(db, moduleId); // [{ index: 'idx_items_site_id_score', status: 'pending', ... }]
 * @throws ProvisioningError when PostgreSQL refuses (e.g. the caller may not execute the function).
 */
export async function pendingIndexBuilds(
  db: Kysely<any>,
  moduleId: string,
): Promise<readonly PendingIndexBuild[]> {
  try {
    const { rows } = await sql<{ pending: PendingIndexBuild[] }>`
      select public.dramac_index_builds_pending(${moduleId}::uuid) as pending`.execute(db);
    return rows[0]?.pending ?? [];
  } catch (error) {
    // A caller without EXECUTE on it (service_role) never builds online: nothing it can resume.
    if ((error as { code?: string }).code === '42501') return [];
    throw toModuleDbError(error, `reading the pending index builds of module ${moduleId} failed`);
  }
}

/**
 * Whether this connection can build a module's indexes online: it is not inside a transaction
 * (`CREATE INDEX CONCURRENTLY` cannot run in one) and its user may act as the module's owner role
 * (`SET ROLE`; the migration user can, through `dramac_platform`; `dramac_provisioner` members
 * and `service_role` cannot, and their upgrades build indexes inside the upgrade's transaction).
 *
 * @example
 * if (await canBuildIndexesOnline(db, 'c7a1e0b2')) { ... }
 */
export async function canBuildIndexesOnline(db: Kysely<any>, shortId: string): Promise<boolean> {
  if (db.isTransaction) return false;
  try {
    const { rows } = await sql<{ ok: boolean | null }>`
      select case
        when not exists (select 1 from pg_catalog.pg_roles where rolname = ${`modowner_${shortId}`}) then false
        when pg_catalog.current_setting('server_version_num')::int >= 160000
          then pg_catalog.pg_has_role(current_user, ${`modowner_${shortId}`}, 'SET')
        else pg_catalog.pg_has_role(current_user, ${`modowner_${shortId}`}, 'MEMBER') end as ok`.execute(
      db,
    );
    return rows[0]?.ok === true;
  } catch {
    return false;
  }
}

/**
 * Builds the indexes an upgrade left for later (`concurrentIndexes` in the plan) without blocking
 * writers: for each pending index the database writes the statements
 * (`dramac_index_build_next`: `CREATE INDEX CONCURRENTLY`, after `DROP INDEX CONCURRENTLY` of an
 * invalid index an interrupted attempt left), they run on one connection of `db`, outside any
 * transaction, as the module's owner role (`SET ROLE`, reset afterwards), and the database proves
 * the module's end state before it records the index as built (`dramac_index_build_done`).
 * A failed attempt is recorded and retried; an interrupted one (a crash, a terminated backend) is
 * resumed by the next call. Safe to call when nothing is pending.
 *
 * @example
 * await buildPendingIndexes(db, moduleId); // { built: ['idx_items_site_id_score'], retries: 0 }
 * @throws ProvisioningError when an index still fails after its attempts, when the connection is
 * lost (call again to resume) or when the end state is not the declared one (`DM004`).
 */
export async function buildPendingIndexes(
  db: Kysely<any>,
  moduleId: string,
  options: BuildIndexesOptions = {},
): Promise<BuildIndexesResult> {
  if (db.isTransaction) {
    throw new ProvisioningError(
      `module ${moduleId}: indexes are built concurrently outside a transaction; call buildPendingIndexes with the Kysely instance, not a transaction`,
      {},
    );
  }
  const attempts = Math.max(1, options.attempts ?? 3);
  const built: string[] = [];
  let retries = 0;
  for (;;) {
    let next: NextBuild | null;
    try {
      const { rows } = await sql<{ next: NextBuild | null }>`
        select public.dramac_index_build_next(${moduleId}::uuid) as next`.execute(db);
      next = rows[0]?.next ?? null;
    } catch (error) {
      throw toModuleDbError(error, `building the indexes of module ${moduleId} failed`);
    }
    if (!next) return { built, retries };
    let failure: unknown;
    try {
      await db.connection().execute(async (conn) => {
        await sql`set role ${sql.id(next.owner)}`.execute(conn);
        let lost = false;
        try {
          // Written by the database from the recorded desired state, never by the caller.
          for (const statement of next.statements) await sql.raw(statement).execute(conn);
        } catch (error) {
          lost = isConnectionLoss(error);
          throw error;
        } finally {
          // A lost connection is not touched again: it goes back to the pool, which drops it.
          if (!lost) await sql`reset role`.execute(conn).catch(() => undefined);
        }
      });
    } catch (error) {
      failure = error;
    }
    if (failure !== undefined) {
      if (isConnectionLoss(failure)) {
        throw toModuleDbError(
          failure,
          `building index ${next.index} of module ${moduleId} was interrupted (call again to resume)`,
        );
      }
      const message = (failure as { message?: string }).message ?? String(failure);
      await recordDone(db, moduleId, next.index, message, options.actor);
      if (next.attempt >= attempts) {
        throw toModuleDbError(
          failure,
          `building index ${next.index} of module ${moduleId} failed ${next.attempt} times`,
        );
      }
      retries++;
      continue;
    }
    await recordDone(db, moduleId, next.index, null, options.actor);
    built.push(next.index);
  }
}

async function recordDone(
  db: Kysely<any>,
  moduleId: string,
  index: string,
  error: string | null,
  actor: string | undefined,
): Promise<void> {
  try {
    await sql`select public.dramac_index_build_done(${moduleId}::uuid, ${index}, ${error}, ${actor ?? null})`.execute(
      db,
    );
  } catch (e) {
    throw toModuleDbError(e, `proving index ${index} of module ${moduleId} failed`);
  }
}

/** A lost connection (terminated backend, crash, network): the build resumes on the next call. */
function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  const message = String((error as { message?: string }).message ?? '');
  return (
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    (code?.startsWith('08') ?? false) ||
    /Connection terminated|ECONNRESET|EPIPE|server closed the connection/i.test(message)
  );
}

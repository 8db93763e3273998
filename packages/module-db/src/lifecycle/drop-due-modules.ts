import { type Kysely, sql } from 'kysely';
import { type DroppedModule, toDeprovisionResult } from './deprovision-module-database';
import { toLifecycleError } from './lifecycle-error';

/** Options of {@link dropDueModules}. */
export interface DropDueModulesOptions {
  /** Who asks (a scheduler's name): kept in the event log. */
  readonly actor?: string;
}

/**
 * Drops every module deprecated by `deprovisionModuleDatabase(..., { mode: 'retain' })` whose
 * retention has passed, through `public.dramac_drop_due_modules`: all of them or none, each under
 * its module lock. Run it from a scheduler (pg_cron, a cron job).
 *
 * @example
 * const dropped = await dropDueModules(db, { actor: 'nightly-cleanup' });
 * dropped.map((d) => d.shortId); // ['5e0b7a11']
 * @throws ProvisioningError (with `sqlstate`) when a drop fails; nothing is dropped then.
 */
export async function dropDueModules(
  db: Kysely<any>,
  options: DropDueModulesOptions = {},
): Promise<readonly DroppedModule[]> {
  try {
    const { rows } = await sql<{ result: Record<string, any> }>`
      select result from public.dramac_drop_due_modules(${options.actor ?? null})`.execute(db);
    return Object.freeze(rows.map((r) => toDeprovisionResult(r.result) as DroppedModule));
  } catch (error) {
    throw toLifecycleError(error, 'dropping due modules failed');
  }
}

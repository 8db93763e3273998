import type { Kysely } from 'kysely';

/**
 * Runs `fn` in a transaction of its own, or in the caller's when `db` already is one (Kysely
 * cannot nest them): then the caller's commit or rollback decides, all of it together.
 */
export function inTransaction<T>(
  db: Kysely<any>,
  fn: (trx: Kysely<any>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

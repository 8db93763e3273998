import { type Kysely, sql, type Transaction } from 'kysely';

/** The API roles of Supabase that a request can run as. */
export type ApiRole = 'anon' | 'authenticated' | 'service_role';

/** JWT claims as PostgREST exposes them in `request.jwt.claims`, plus the platform's `site_id`. */
export interface RequestClaims {
  readonly role: ApiRole;
  readonly sub?: string;
  readonly site_id?: string;
  readonly [claim: string]: unknown;
}

/**
 * Runs `fn` in a transaction as PostgREST would for a request: the role and the claims are set
 * with `set_config(..., true)`, so they end with the transaction and never leak to the next
 * user of a pooled connection.
 *
 * @example
 * const rows = await asUser(db, { role: 'authenticated', sub: userId }, (trx) =>
 *   trx.selectFrom('sites').selectAll().execute());
 * @throws whatever `fn` or PostgreSQL throws; the transaction is rolled back.
 */
export async function asUser<DB, T>(
  db: Kysely<DB>,
  claims: RequestClaims,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    // set_config('role', ..., true) is SET LOCAL ROLE with the role as a bound parameter.
    await sql`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true), set_config('role', ${claims.role}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}

import { type Kysely, sql, type Transaction } from 'kysely';

/** Claims of a request made by module code for a user on a site. */
export interface ModuleRequestClaims {
  readonly sub: string;
  readonly site_id: string;
}

/**
 * Runs `fn` in a transaction as module code runs: `role` set to the module role and the claims
 * set with `set_config(..., true)`, so both end with the transaction. (The harness's `asUser`
 * only takes Supabase's API roles.)
 */
export function asModule<T>(
  db: Kysely<any>,
  role: string,
  claims: ModuleRequestClaims,
  fn: (trx: Transaction<any>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const json = JSON.stringify({ role: 'authenticated', ...claims });
    await sql`select set_config('request.jwt.claims', ${json}, true), set_config('role', ${role}, true)`.execute(
      trx,
    );
    return fn(trx);
  });
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

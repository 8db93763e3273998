import 'server-only';
import { type Kysely, type RawBuilder, sql } from 'kysely';

/** One statement to try, under a key the caller reads the result by. */
export interface Probe {
  readonly key: string;
  readonly query: RawBuilder<unknown>;
}

/** What happened: ran (with the rows it returned), or refused with PostgreSQL's message. */
export interface Tried {
  readonly ok: boolean;
  readonly message: string;
  readonly sqlstate?: string;
  readonly rows?: readonly Record<string, unknown>[];
}

class Rollback extends Error {}

/**
 * Runs each probe as `role` with `claims`, in one transaction that is always rolled back, a
 * savepoint per probe so a refusal does not end the run. The context is set as the transports
 * set it: transaction-local claims (and the per-claim settings auth.uid() reads first), then
 * the role.
 */
export async function probeAs(
  db: Kysely<any>,
  role: string,
  claims: Record<string, string>,
  probes: readonly Probe[],
): Promise<Map<string, Tried>> {
  const out = new Map<string, Tried>();
  const json = JSON.stringify(claims);
  await db
    .transaction()
    .execute(async (trx) => {
      await sql`select set_config('request.jwt.claims', ${json}, true),
        set_config('request.jwt.claim', ${json}, true),
        set_config('request.jwt.claim.sub', ${claims.sub ?? ''}, true),
        set_config('request.jwt.claim.role', ${claims.role ?? ''}, true),
        set_config('request.jwt.claim.site_id', ${claims.site_id ?? ''}, true),
        set_config('role', ${role}, true)`.execute(trx);
      for (const probe of probes) {
        await sql`savepoint probe`.execute(trx);
        try {
          const r = await probe.query.execute(trx);
          await sql`release savepoint probe`.execute(trx);
          const rows = (r.rows ?? []) as Record<string, unknown>[];
          const changed = r.numAffectedRows !== undefined ? Number(r.numAffectedRows) : undefined;
          out.set(probe.key, {
            ok: true,
            rows,
            message:
              changed !== undefined
                ? `ran: ${changed} rows ${changed === 0 ? '(none matched)' : 'changed (rolled back)'}`
                : `ran: ${rows.length} rows returned`,
          });
        } catch (error) {
          await sql`rollback to savepoint probe`.execute(trx);
          const e = error as { code?: string; message?: string };
          out.set(probe.key, {
            ok: false,
            message: e.message ?? String(error),
            ...(e.code && { sqlstate: e.code }),
          });
        }
      }
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return out;
}

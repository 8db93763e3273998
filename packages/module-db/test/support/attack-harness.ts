/**
 * Runs a (hostile) plan through each door that reaches the provisioning functions today:
 * - `service_role`: `set local role service_role` in a transaction, then the SQL function (what
 *   `supabase.rpc('dramac_apply_module_plan', ...)` does);
 * - `provisioner`: a LOGIN role that is a member of `dramac_provisioner`, calling the SQL function;
 * - `api`: the public TypeScript API (`applyModulePlan`, `applyModuleUpgrade`) on a platform
 *   connection, with the hand-modified plan object.
 * Each attempt has a connection of its own, so statements run before the call (temporary views,
 * settings) live in the calling session, and the session's state can be read after the call.
 */
import { randomBytes } from 'node:crypto';
import { connect, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import {
  applyModulePlan,
  applyModuleUpgrade,
  definitionChecksum,
  type ValidatedModuleDefinition,
} from '../../src/index';
import type { PlanLike } from './hostile-plan';

/** Who calls the provisioning functions. */
export type Caller = 'service_role' | 'provisioner' | 'api';
export const CALLERS: readonly Caller[] = ['service_role', 'provisioner', 'api'];

/** What the calling session looks like (read in the same session before and after the call). */
export interface SessionState {
  readonly searchPath: string;
  readonly advisoryLocks: number;
  readonly claims: string | null;
  readonly statementTimeout: string;
  readonly lockTimeout: string;
  readonly readOnly: string;
  readonly attackMarker: string | null;
  readonly standardConformingStrings: string;
  /** Every setting whose value comes from the session (`SET`, `set_config(..., false)`). */
  readonly sessionSettings: string | null;
  /** Relations in the session's temporary schema (they shadow same-named tables for the session). */
  readonly tempObjects: string | null;
  /** LISTEN channels, prepared statements and open cursors. */
  readonly listeners: string | null;
  readonly prepared: number;
}

/** The outcome of one attempt. */
export interface Attempt {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: unknown;
  /** Everything the caller was told: message, detail, hint, context, causes. */
  readonly text: string;
  readonly sessionBefore: SessionState;
  readonly sessionAfter: SessionState;
}

/** A plan (fresh install) or an upgrade to run. */
export type Call =
  | {
      readonly kind: 'plan';
      readonly plan: PlanLike;
      readonly definition: ValidatedModuleDefinition;
      /** A tampered definition JSON sent instead of `definition.source`. */
      readonly definitionJson?: unknown;
    }
  | {
      readonly kind: 'upgrade';
      readonly plan: PlanLike;
      readonly next: ValidatedModuleDefinition;
      readonly fromChecksum: string;
      readonly definitionJson?: unknown;
    }
  | {
      /** `dramac_apply_module_repair(plan, checksum, ...)` (SQL doors only: no API wraps it). */
      readonly kind: 'repair';
      readonly plan: PlanLike;
      readonly checksum: string | null;
    };

export interface CallOptions {
  /** SQL run in the calling session (inside its transaction for the SQL callers) before the call. */
  readonly prepare?: readonly string[];
  /** SQL run in the calling session before anything else, outside any transaction: the session's own state. */
  readonly setup?: readonly string[];
}

/** Everything an attempt needs: the database and the provisioner member's credentials. */
export interface AttackEnv {
  readonly tdb: TestDatabase;
  readonly db: Kysely<any>;
  readonly provisionerRole: string;
  readonly provisionerUrl: string;
}

/** Creates the LOGIN role that is a member of `dramac_provisioner` (cluster-wide: random name). */
export async function createAttackEnv(tdb: TestDatabase): Promise<AttackEnv> {
  const db = tdb.db as Kysely<any>;
  const role = `atk_prov_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await sql`create role ${sql.id(role)} login password ${sql.lit(password)}`.execute(db);
  await sql`grant dramac_provisioner to ${sql.id(role)}`.execute(db);
  const url = new URL(tdb.url);
  url.username = role;
  url.password = password;
  return { tdb, db, provisionerRole: role, provisionerUrl: url.toString() };
}

/** Drops the provisioner member (after the test database is gone its objects are too). */
export async function dropAttackEnv(env: AttackEnv | undefined): Promise<void> {
  if (!env) return;
  await sql`drop owned by ${sql.id(env.provisionerRole)}`.execute(env.db).catch(() => undefined);
  await sql`drop role if exists ${sql.id(env.provisionerRole)}`
    .execute(env.db)
    .catch(() => undefined);
}

const TEMP_SQL = `select string_agg(c.relname, ',' order by c.relname) from pg_catalog.pg_class c
  where c.relnamespace = pg_catalog.pg_my_temp_schema()`;

const SESSION_SQL = `select current_setting('search_path') as "searchPath",
  (select count(*) from pg_catalog.pg_locks l where l.locktype = 'advisory' and l.pid = pg_catalog.pg_backend_pid())::int as "advisoryLocks",
  current_setting('request.jwt.claims', true) as claims,
  current_setting('statement_timeout') as "statementTimeout",
  current_setting('lock_timeout') as "lockTimeout",
  current_setting('default_transaction_read_only') as "readOnly",
  current_setting('attack.marker', true) as "attackMarker",
  current_setting('standard_conforming_strings') as "standardConformingStrings",
  (select string_agg(name || '=' || setting, ',' order by name) from pg_catalog.pg_settings
    where source = 'session') as "sessionSettings",
  (${TEMP_SQL}) as "tempObjects",
  (select string_agg(c, ',' order by c) from pg_catalog.pg_listening_channels() c) as listeners,
  ((select count(*) from pg_catalog.pg_prepared_statements) + (select count(*) from pg_catalog.pg_cursors))::int as prepared`;

/** Collects every text an error carries, causes included, for leak checks. */
export function errorText(error: unknown, depth = 0): string {
  if (error === null || error === undefined || depth > 5) return '';
  if (typeof error !== 'object') return String(error);
  const e = error as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of [
    'message',
    'detail',
    'hint',
    'where',
    'internalQuery',
    'statement',
    'code',
    'sqlstate',
  ]) {
    if (typeof e[key] === 'string') parts.push(e[key] as string);
  }
  try {
    parts.push(JSON.stringify(error));
  } catch {
    // cyclic: the named fields above are enough
  }
  if (Array.isArray(e.issues)) parts.push(JSON.stringify(e.issues));
  parts.push(errorText(e.cause, depth + 1));
  return parts.join('\n');
}

function callSql(call: Call): { text: string; values: unknown[] } {
  if (call.kind === 'plan') {
    return {
      text: 'select public.dramac_apply_module_plan($1::jsonb, $2::jsonb, $3, $4, $5, $6, $7) as result',
      values: [
        JSON.stringify(call.plan),
        JSON.stringify(call.definitionJson ?? call.definition.source),
        definitionChecksum(call.definition),
        call.definition.moduleType,
        'attack-test',
        5000,
        60000,
      ],
    };
  }
  if (call.kind === 'repair') {
    return {
      text: 'select public.dramac_apply_module_repair($1::jsonb, $2, $3, $4, $5) as result',
      values: [JSON.stringify(call.plan), call.checksum, 'attack-test', 5000, 60000],
    };
  }
  return {
    text: 'select public.dramac_apply_module_upgrade($1::jsonb, $2::jsonb, $3, $4, $5, $6, $7) as result',
    values: [
      JSON.stringify(call.plan),
      JSON.stringify(call.definitionJson ?? call.next.source),
      definitionChecksum(call.next),
      call.fromChecksum,
      'attack-test',
      5000,
      60000,
    ],
  };
}

async function viaSql(env: AttackEnv, caller: Caller, call: Call, options: CallOptions) {
  const client = new pg.Client({
    connectionString: caller === 'provisioner' ? env.provisionerUrl : env.tdb.url,
  });
  await client.connect();
  try {
    for (const statement of options.setup ?? []) await client.query(statement);
    let before = (await client.query(SESSION_SQL)).rows[0] as SessionState;
    let ok = false;
    let result: unknown;
    let error: unknown;
    try {
      await client.query('begin');
      if (caller === 'service_role') await client.query('set local role service_role');
      for (const statement of options.prepare ?? []) await client.query(statement);
      // The caller's own temporary objects (prepare) are part of the state before the call.
      const temp = (await client.query(TEMP_SQL)).rows[0] as { string_agg: string | null };
      before = { ...before, tempObjects: temp.string_agg };
      const { text, values } = callSql(call);
      result = (await client.query(text, values)).rows[0]?.result;
      await client.query('commit');
      ok = true;
    } catch (e) {
      error = e;
      await client.query('rollback').catch(() => undefined);
    }
    const after = (await client.query(SESSION_SQL)).rows[0] as SessionState;
    return {
      ok,
      result,
      error,
      text: errorText(error),
      sessionBefore: before,
      sessionAfter: after,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function viaApi(env: AttackEnv, call: Call, options: CallOptions) {
  const single = connect(env.tdb.url, 1) as Kysely<any>;
  try {
    for (const statement of options.setup ?? []) await sql.raw(statement).execute(single);
    let before = (await sql.raw(SESSION_SQL).execute(single)).rows[0] as SessionState;
    let ok = false;
    let result: unknown;
    let error: unknown;
    try {
      for (const statement of options.prepare ?? []) await sql.raw(statement).execute(single);
      const temp = (await sql.raw(TEMP_SQL).execute(single)).rows[0] as {
        string_agg: string | null;
      };
      before = { ...before, tempObjects: temp.string_agg };
      if (call.kind === 'plan') {
        const definition = call.definitionJson
          ? { ...call.definition, source: call.definitionJson }
          : call.definition;
        result = await applyModulePlan(
          single,
          call.plan as never,
          definition as ValidatedModuleDefinition,
          { actor: 'attack-test' },
        );
      } else if (call.kind === 'repair') {
        throw new Error('repairs have no public API door: run them as service_role or provisioner');
      } else {
        const next = call.definitionJson
          ? { ...call.next, source: call.definitionJson }
          : call.next;
        result = await applyModuleUpgrade(
          single,
          call.plan as never,
          next as ValidatedModuleDefinition,
          call.fromChecksum,
          { actor: 'attack-test', lockRetries: 0 },
        );
      }
      ok = true;
    } catch (e) {
      error = e;
    }
    const after = (await sql.raw(SESSION_SQL).execute(single)).rows[0] as SessionState;
    return {
      ok,
      result,
      error,
      text: errorText(error),
      sessionBefore: before,
      sessionAfter: after,
    };
  } finally {
    await single.destroy();
  }
}

/** Runs `call` as `caller`; never throws for a refusal (the outcome says what happened). */
export async function attempt(
  env: AttackEnv,
  caller: Caller,
  call: Call,
  options: CallOptions = {},
): Promise<Attempt> {
  return caller === 'api' ? viaApi(env, call, options) : viaSql(env, caller, call, options);
}

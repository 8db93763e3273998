import type { CliOutput } from './cli-output';
import type { CliDatabase, SideConnection } from './connect-database';

/** A running watcher; `stop` waits for an in-flight look and closes its connection. */
export interface OperationWatcher {
  stop(): Promise<void>;
}

/** Timing of {@link watchOperation}, in ms. */
export interface WatchTiming {
  /** Quiet this long first: quick operations print nothing. Default 1000. */
  readonly delayMs?: number;
  /** Then look this often. Default 1000. */
  readonly intervalMs?: number;
  /** Repeat an unchanged state this often (non-TTY). Default 10000. */
  readonly repeatMs?: number;
}

interface LockJson {
  readonly locktype: string;
  readonly mode: string;
  readonly relation: string | null;
}
interface BlockerJson {
  readonly pid: number;
  readonly application: string | null;
  readonly state: string | null;
  readonly query: string | null;
  readonly xact_s: number | null;
}
interface IndexBuildJson {
  readonly phase: string;
  readonly relation: string | null;
  readonly blocks_done: number | null;
  readonly blocks_total: number | null;
}
interface BackendRow {
  readonly pid: number;
  readonly wait_event_type: string | null;
  readonly query: string;
  readonly query_start: string;
  readonly running_s: number;
  readonly waiting: LockJson[] | null;
  readonly blockers: BlockerJson[] | null;
  readonly exclusive: string[] | null;
  readonly index_build: IndexBuildJson | null;
}

// What this run's own sessions are doing, found by their application_name. Only catalogs and
// statistics views; relations are named through pg_class so objects another transaction has not
// committed yet stay out.
const LOOK = `
with me as (
  select a.pid, a.wait_event_type, a.query, a.query_start,
         extract(epoch from pg_catalog.clock_timestamp() - a.query_start)::float8 as running_s
  from pg_catalog.pg_stat_activity a
  where a.application_name = $1 and a.state = 'active' and a.pid <> pg_catalog.pg_backend_pid()
)
select me.pid, me.wait_event_type, left(me.query, 200) as query, me.query_start::text as query_start,
  me.running_s,
  (select json_agg(json_build_object('locktype', l.locktype, 'mode', l.mode,
            'relation', (select n.nspname || '.' || c.relname from pg_catalog.pg_class c
                         join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = l.relation)))
     from pg_catalog.pg_locks l where l.pid = me.pid and not l.granted) as waiting,
  (select json_agg(json_build_object('pid', b.pid, 'application', b.application_name, 'state', b.state,
            'query', left(b.query, 120),
            'xact_s', extract(epoch from pg_catalog.clock_timestamp() - b.xact_start)::float8) order by b.pid)
     from pg_catalog.pg_stat_activity b where b.pid = any(pg_catalog.pg_blocking_pids(me.pid))) as blockers,
  (select json_agg(distinct n.nspname || '.' || c.relname)
     from pg_catalog.pg_locks l join pg_catalog.pg_class c on c.oid = l.relation
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where l.pid = me.pid and l.granted and l.locktype = 'relation' and l.mode = 'AccessExclusiveLock'
       and c.relkind in ('r', 'p')) as exclusive,
  (select json_build_object('phase', p.phase, 'blocks_done', p.blocks_done, 'blocks_total', p.blocks_total,
            'relation', (select n.nspname || '.' || c.relname from pg_catalog.pg_class c
                         join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = p.relid))
     from pg_catalog.pg_stat_progress_create_index p where p.pid = me.pid) as index_build
from me order by me.query_start`;

const seconds = (s: number) => `${Math.max(0, s).toFixed(1)} s`;
const oneLine = (text: string | null, max = 80) => {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function describeLock(lock: LockJson): string {
  switch (lock.locktype) {
    case 'relation':
      return `${lock.mode} on ${lock.relation ?? 'a table'}`;
    case 'advisory':
      return 'an advisory lock (another provisioning, upgrade or removal of a module is running)';
    case 'transactionid':
    case 'tuple':
      return 'a row another transaction is changing';
    default:
      return `a ${lock.locktype} lock (${lock.mode})`;
  }
}

function describeBlocker(b: BlockerJson): string {
  const what = [
    b.application ? `"${b.application}"` : null,
    b.state ? `${b.state}${b.xact_s !== null ? ` for ${seconds(b.xact_s)}` : ''}` : null,
    b.query ? `last statement: ${oneLine(b.query, 60)}` : null,
  ].filter(Boolean);
  return `pid ${b.pid}${what.length > 0 ? ` (${what.join(', ')})` : ''}`;
}

/** One line about what a backend of this run is doing, and a key that changes with the state. */
export function describeBackend(row: BackendRow): { key: string; line: string } {
  if (row.wait_event_type === 'Lock' && row.waiting && row.waiting.length > 0) {
    const lock = row.waiting[0] as LockJson;
    const blockers = row.blockers ?? [];
    const held = blockers.length > 0 ? `, held by ${blockers.map(describeBlocker).join('; ')}` : '';
    return {
      key: `wait:${lock.locktype}:${lock.relation}:${blockers.map((b) => b.pid).join(',')}`,
      line: `waiting ${seconds(row.running_s)} for a lock: ${describeLock(lock)}${held}`,
    };
  }
  if (row.index_build) {
    const b = row.index_build;
    const blocks =
      b.blocks_total && b.blocks_total > 0
        ? ` (${b.blocks_done ?? 0}/${b.blocks_total} blocks)`
        : '';
    return {
      key: `index:${b.relation}:${b.phase}`,
      line: `building an index on ${b.relation ?? 'a table'}: ${b.phase}${blocks}, ${seconds(row.running_s)}`,
    };
  }
  const exclusive = row.exclusive ?? [];
  return {
    key: `run:${exclusive.join(',')}`,
    line:
      exclusive.length > 0
        ? `running ${seconds(row.running_s)}, changing ${exclusive.join(', ')} (exclusive lock held)`
        : `running ${seconds(row.running_s)}: ${oneLine(row.query)}`,
  };
}

/**
 * Watches what this run's database sessions are doing while a command runs, from a second
 * connection, and says it on stderr: what it waits for (which lock, on which table, held by which
 * session doing what), an index build's phase, which tables it is changing, and when a statement
 * starts over after a lock timeout (the library retries those). Quiet for quick operations and in
 * JSON mode. Reads only `pg_stat_activity`, `pg_locks` and `pg_stat_progress_create_index`.
 *
 * @example
 * const watcher = watchOperation(database, out);
 * try { await work(); } finally { await watcher.stop(); }
 */
export function watchOperation(
  database: CliDatabase,
  out: CliOutput,
  timing: WatchTiming = {},
): OperationWatcher {
  if (out.json) return { stop: async () => {} };
  const delayMs = timing.delayMs ?? 1000;
  const intervalMs = timing.intervalMs ?? 1000;
  const repeatMs = timing.repeatMs ?? 10_000;
  let side: SideConnection | null = null;
  let stopped = false;
  let failed = false;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: { key: string; at: number } | null = null;
  // Per statement text: when it last started and whether it was waiting for a lock then.
  const seen = new Map<string, { start: string; waited: boolean; attempts: number }>();

  const look = async () => {
    if (stopped || failed) return;
    try {
      side ??= await database.openSide(`${database.applicationName} watcher`);
      if (stopped) return;
      const { rows } = await side.query<BackendRow>(LOOK, [database.applicationName]);
      if (stopped) return;
      for (const row of rows) {
        const { key, line } = describeBackend(row);
        const statement = row.query;
        const before = seen.get(statement);
        const waiting = key.startsWith('wait:');
        if (before && before.start !== row.query_start && before.waited) {
          const attempts = before.attempts + 1;
          seen.set(statement, { start: row.query_start, waited: waiting, attempts });
          out.note(
            `  lock not granted within the lock timeout: the statement starts over (attempt ${attempts + 1})`,
          );
        } else {
          seen.set(statement, {
            start: row.query_start,
            waited: waiting || (before?.start === row.query_start && before.waited),
            attempts: before?.attempts ?? 0,
          });
        }
        const now = Date.now();
        if (last === null || last.key !== key || now - last.at >= repeatMs) {
          out.note(`  ${line}`);
          last = { key, at: now };
        }
      }
    } catch {
      // Watching is a courtesy: no second connection (max_connections, a pooler), no output.
      failed = true;
    }
  };
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      inFlight = look().then(() => {
        if (!stopped && !failed) schedule(intervalMs);
      });
    }, ms);
    timer.unref?.();
  };
  schedule(delayMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      await side?.end().catch(() => undefined);
    },
  };
}

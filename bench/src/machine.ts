/** What the numbers were measured on. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { type Kysely, sql } from 'kysely';

export async function describeMachine(
  db: Kysely<any>,
  serverKind: string,
  storage: string,
): Promise<string[][]> {
  const { rows } = await sql<Record<string, string>>`
    select version() as version,
      current_setting('shared_buffers') as shared_buffers,
      current_setting('work_mem') as work_mem,
      current_setting('fsync') as fsync,
      current_setting('synchronous_commit') as synchronous_commit,
      current_setting('jit') as jit`.execute(db);
  const pg = rows[0] as Record<string, string>;
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const dirty = git(['status', '--porcelain', '--', 'packages']);
  return [
    [
      'CPU',
      `${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} logical cores, ${os.arch()})`,
    ],
    ['memory', `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ['OS', `${os.type()} ${os.release()}`],
    [
      'load average at start',
      os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    ],
    ['Node.js', process.version],
    ['PostgreSQL', `${pg.version} (${serverKind})`],
    ['PostgreSQL data directory', storage],
    [
      'PostgreSQL settings',
      `shared_buffers ${pg.shared_buffers}, work_mem ${pg.work_mem}, fsync ${pg.fsync}, synchronous_commit ${pg.synchronous_commit}, jit ${pg.jit}`,
    ],
    [
      'code measured',
      `${git(['rev-parse', '--short', 'HEAD']) || 'unknown'}${dirty ? ' plus uncommitted changes under packages/ (measured as they were in the working tree)' : ''}`,
    ],
  ];
}

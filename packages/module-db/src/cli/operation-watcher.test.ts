import { describe, expect, it } from 'vitest';
import { describeBackend } from './operation-watcher';

type Row = Parameters<typeof describeBackend>[0];
const base: Row = {
  pid: 101,
  wait_event_type: null,
  query: 'select public.dramac_apply_module_upgrade($1::jsonb, $2::jsonb)',
  query_start: '2025-01-01 00:00:00+00',
  running_s: 4.25,
  waiting: null,
  blockers: null,
  exclusive: null,
  index_build: null,
};

describe('describeBackend', () => {
  it('names the lock, the table and the session holding it', () => {
    const { key, line } = describeBackend({
      ...base,
      wait_event_type: 'Lock',
      waiting: [{ locktype: 'relation', mode: 'AccessExclusiveLock', relation: 'mod_ab.notes' }],
      blockers: [
        {
          pid: 7,
          application: 'psql',
          state: 'idle in transaction',
          query: 'select   count(*)\n from mod_ab.notes',
          xact_s: 12.04,
        },
      ],
    });
    expect(line).toBe(
      'waiting 4.3 s for a lock: AccessExclusiveLock on mod_ab.notes, held by pid 7 ("psql", idle in transaction for 12.0 s, last statement: select count(*) from mod_ab.notes)',
    );
    expect(key).toBe('wait:relation:mod_ab.notes:7');
  });

  it('says an advisory lock is another provisioning', () => {
    const { line } = describeBackend({
      ...base,
      wait_event_type: 'Lock',
      waiting: [{ locktype: 'advisory', mode: 'ExclusiveLock', relation: null }],
      blockers: [{ pid: 9, application: null, state: 'active', query: null, xact_s: null }],
    });
    expect(line).toBe(
      'waiting 4.3 s for a lock: an advisory lock (another provisioning, upgrade or removal of a module is running), held by pid 9 (active)',
    );
  });

  it('shows an index build and the tables being changed', () => {
    expect(
      describeBackend({
        ...base,
        index_build: {
          phase: 'building index: scanning table',
          relation: 'mod_ab.notes',
          blocks_done: 10,
          blocks_total: 40,
        },
      }).line,
    ).toBe(
      'building an index on mod_ab.notes: building index: scanning table (10/40 blocks), 4.3 s',
    );
    expect(describeBackend({ ...base, exclusive: ['mod_ab.notes', 'mod_ab.tags'] }).line).toBe(
      'running 4.3 s, changing mod_ab.notes, mod_ab.tags (exclusive lock held)',
    );
    expect(describeBackend(base).line).toBe(
      'running 4.3 s: select public.dramac_apply_module_upgrade($1::jsonb, $2::jsonb)',
    );
  });
});

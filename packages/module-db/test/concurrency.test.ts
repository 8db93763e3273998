/**
 * Concurrency: 8 provisionings of the same module at once (one creates, seven see `unchanged`),
 * 8 different modules at once (all created, no deadlock), and 240 SDK operations over two modules
 * and three sites started at once through a pool of 3 connections: no error, no row of another
 * site, no context left on a pooled connection, every row written on its own site.
 */
import { randomUUID } from 'node:crypto';
import { connect, startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkOrphans,
  lintModuleDatabase,
  migratePlatform,
  provisionModuleDatabase,
} from '../src/index';
import { bookingModule, crmModule, shopModule, widgetModule } from './fixtures/sample-modules';
import { misplacedRows, prepareWorkload, runWorkload } from './interleaved-workload';

let tdb: TestDatabase;
let db: Kysely<any>;
beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
});
afterAll(() => tdb?.destroy());

describe('concurrent provisioning', () => {
  it('8 provisionings of the same module: one creates, seven report unchanged, no error', async () => {
    const def = { ...crmModule, moduleId: randomUUID() };
    const pool = connect(tdb.url, 8);
    try {
      const started = Date.now();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => provisionModuleDatabase(pool, def)),
      );
      const statuses = results.map((r) =>
        r.status === 'fulfilled' ? r.value.status : `error ${(r.reason as Error).message}`,
      );
      console.log(
        `[concurrency] 8 x same module in ${Date.now() - started} ms: ${statuses.join(', ')}`,
      );
      expect(statuses.sort()).toEqual(['created', ...Array(7).fill('unchanged')].sort());
    } finally {
      await pool.destroy();
    }
  });

  it('8 different modules at once: the outcome is created or a typed error that leaves nothing; retries converge; all lint clean', async () => {
    const fixtures = [crmModule, bookingModule, shopModule, widgetModule];
    const defs = Array.from({ length: 8 }, (_, i) => ({
      ...(fixtures[i % fixtures.length] as typeof crmModule),
      moduleId: randomUUID(),
    }));
    const pool = connect(tdb.url, 8);
    let failed: typeof defs = [];
    try {
      const started = Date.now();
      const results = await Promise.allSettled(defs.map((d) => provisionModuleDatabase(pool, d)));
      const outcomes = results.map((r) =>
        r.status === 'fulfilled'
          ? r.value.status
          : `${(r.reason as { code?: string }).code}/${(r.reason as { sqlstate?: string }).sqlstate}`,
      );
      console.log(
        `[concurrency] 8 different modules at once in ${Date.now() - started} ms: ${outcomes.join(', ')}`,
      );
      // Provisioning is serialised database-wide (a global advisory lock): all succeed.
      for (const r of results) expect(r.status === 'fulfilled' && r.value.status).toBe('created');
      failed = defs.filter((_, i) => results[i]?.status === 'rejected');
      // A failure leaves nothing behind: no role, schema or table of its module.
      const orphans = await checkOrphans(db);
      const mine = (name: string) => defs.some((d) => name.includes(d.moduleId.slice(0, 8)));
      expect(orphans.orphanedObjects.filter((o) => mine(o.name))).toEqual([]);
      expect(orphans.missingObjects).toEqual([]);
    } finally {
      await pool.destroy();
    }
    for (const d of failed) expect((await provisionModuleDatabase(db, d)).status).toBe('created');
    console.log(`[concurrency] ${failed.length} failed at once`);
    for (const d of defs) expect((await lintModuleDatabase(db, d.moduleId)).findings).toEqual([]);
  });

  // Each DDL call proves nothing outside its module changed; a global advisory lock keeps another
  // module's DDL in the same database from running in between, and other modules' roles (cluster
  // wide, so provisioned from other databases too) are outside the fingerprint.
  it('two different modules provisioned at the same time are both created', async () => {
    const a = { ...crmModule, moduleId: randomUUID() };
    const b = { ...bookingModule, moduleId: randomUUID() };
    const holder = connect(tdb.url, 1);
    const pool = connect(tdb.url, 2);
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = holder.transaction().execute(async (trx) => {
      await sql`lock table public.sites in access exclusive mode`.execute(trx);
      locked();
      await released;
    });
    try {
      await isLocked;
      const running = [a, b].map((d) =>
        provisionModuleDatabase(pool, d, { lockTimeoutMs: 30_000 }).then(
          (r) => r.status,
          (e: unknown) => `${(e as { sqlstate?: string }).sqlstate}: ${(e as Error).message}`,
        ),
      );
      for (let i = 0; i < 500; i++) {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'
            and query like '%dramac_apply_module_plan%'`.execute(db);
        if ((rows[0]?.n ?? 0) >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      release();
      await holding;
      const outcomes = await Promise.all(running);
      console.log(`[concurrency] two modules at once: ${outcomes.join(' | ')}`);
      expect(outcomes).toEqual(['created', 'created']);
    } finally {
      release();
      await holding.catch(() => undefined);
      await holder.destroy();
      await pool.destroy();
    }
  });
});

describe('interleaved SDK operations through a small pool', () => {
  it('240 operations over 2 modules x 3 sites through 3 connections: no error, no cross-tenant row, no leaked context', async () => {
    const fixture = await prepareWorkload(db, tdb.factory);
    const pool = connect(tdb.url, 3);
    const tag = `w${randomUUID().slice(0, 8)}`;
    try {
      const started = Date.now();
      const report = await runWorkload(pool, fixture, 240, tag);
      const rows = await misplacedRows(db, fixture, tag);
      console.log(
        `[concurrency] ${report.operations} SDK operations + ${report.probes} context probes through 3 connections in ${Date.now() - started} ms: ${report.errors.length} errors, ${report.leaks.length} cross-tenant results or leaked contexts, ${rows.total} rows written (${rows.misplaced} on the wrong site)`,
      );
      for (const e of [...report.errors, ...report.leaks].slice(0, 10))
        console.log(`[concurrency] ${e}`);
      expect(report.errors).toEqual([]);
      expect(report.leaks).toEqual([]);
      expect(rows).toEqual({ total: report.rowsWritten, misplaced: 0 });
    } finally {
      await pool.destroy();
    }
  });
});

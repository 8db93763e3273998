/**
 * Roles are cluster-wide, databases are not: two platforms in two databases of one PostgreSQL
 * cluster may install the same module (the same roles). Each database's quota timeouts (platform
 * migration 8, `ALTER ROLE ... IN DATABASE`) are that database's own: provisioning, the end-state
 * proof and drift in one database do not see the other's.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModuleDatabase, migratePlatform, provisionModuleDatabase } from '../src/index';

let first: TestDatabase;
let second: TestDatabase;

beforeAll(async () => {
  first = await startTestDatabase();
  second = await startTestDatabase();
  await migratePlatform(first.db as Kysely<any>);
  await migratePlatform(second.db as Kysely<any>);
});

afterAll(async () => {
  await first?.destroy();
  await second?.destroy();
});

describe('one module in two databases of a cluster', () => {
  it('provisions in both, each with its own role settings, and both are clean', async () => {
    const definition = {
      moduleId: randomUUID(),
      moduleType: 'custom',
      version: '1.0.0',
      tables: [{ name: 'notes', columns: [{ name: 'body', type: 'text' }] }],
    } as any;
    const a = await provisionModuleDatabase(first.db as Kysely<any>, definition);
    expect(a.status).toBe('created');
    // The first database gave the module's roles settings of its own (quota timeouts).
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_catalog.pg_db_role_setting s
      join pg_catalog.pg_roles r on r.oid = s.setrole
      where r.rolname = ${a.role} and s.setdatabase <> 0`.execute(first.db as Kysely<any>);
    expect(rows[0]?.n).toBeGreaterThan(0);
    const b = await provisionModuleDatabase(second.db as Kysely<any>, definition);
    expect(b.status).toBe('created');
    for (const db of [first.db, second.db]) {
      const report = await checkModuleDatabase(db as Kysely<any>, definition.moduleId);
      expect(report.differences).toEqual([]);
    }
  });
});

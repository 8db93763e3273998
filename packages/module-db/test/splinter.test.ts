/**
 * Supabase's database linter (splinter, https://github.com/supabase/splinter), run unmodified on a
 * migrated database with modules of every strategy (shared, prefix, schema) exposed to PostgREST:
 * no ERROR or WARN may concern an object this project creates (platform tables and functions,
 * module schemas, prefixed module tables). Issue 13, "Done when".
 *
 * Splinter's code is not part of this repository: point `SPLINTER_SQL` at its combined
 * `splinter.sql` (the repository root's file, the way Supabase runs its lints: one query after
 * `set local search_path = ''`). Without it the test is skipped and says why. Splinter reads the
 * exposed schemas from the session's `pgrst.db_schemas`, which PostgREST itself has; the test sets
 * it, for the transaction only, to what `syncPostgrestSchemas` configured.
 *
 * Every finding (any level, any object) is printed, for the record.
 */

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installModuleForSite,
  migratePlatform,
  provisionModuleDatabase,
  setSitePublic,
  syncPostgrestSchemas,
} from '../src/index';
import { bookingModule, crmModule, shopModule, widgetModule } from './fixtures/sample-modules';

const splinterPath = process.env.SPLINTER_SQL;
const reason = !splinterPath
  ? 'SPLINTER_SQL is not set (path to splinter.sql from github.com/supabase/splinter)'
  : existsSync(splinterPath)
    ? undefined
    : `SPLINTER_SQL=${splinterPath} does not exist`;
if (reason) console.log(`[splinter] skipped: ${reason}`);

interface Finding {
  readonly name: string;
  readonly level: string;
  readonly detail: string;
  readonly metadata: Record<string, unknown> | null;
  readonly cache_key: string;
}

/** Objects this project creates (not the test fixtures' stand-ins for the platform, nor Supabase's). */
const PROJECT_OBJECT =
  /(^|[^a-z_])(mod_[a-f0-9]{8}|modrole_|modadmin_|module_data|module_site_installations|module_database_|dramac_|get_module_|module_schema_exists)/;

describe.skipIf(reason !== undefined)('splinter on a migrated database with modules', () => {
  let tdb: TestDatabase;
  let db: Kysely<any>;
  const role = `pgrst_${randomUUID().slice(0, 8)}`;
  let schemas: readonly string[] = [];

  beforeAll(async () => {
    tdb = await startTestDatabase();
    db = tdb.db as Kysely<any>;
    await migratePlatform(db);
    const site = await tdb.factory.site(await tdb.factory.agency());
    await sql`create extension if not exists citext`.execute(db);
    for (const def of [crmModule, bookingModule, shopModule, widgetModule]) {
      const copy = { ...def, moduleId: randomUUID() };
      await provisionModuleDatabase(db, copy);
      await installModuleForSite(db, copy.moduleId, site);
    }
    // Tables open to a public site's visitors (column grants and visitor policies), prefixed
    // and in a schema, with a module policy that applies to members and visitors alike.
    for (const moduleType of ['app', 'custom'] as const) {
      const moduleId = randomUUID();
      await provisionModuleDatabase(db, {
        moduleId,
        moduleType,
        version: '1.0.0',
        tables: [
          {
            name: 'listings',
            columns: [
              { name: 'title', type: 'text' },
              { name: 'secret', type: 'text', nullable: true },
              { name: 'published', type: 'boolean', default: 'false' },
            ],
            rlsPolicies: [{ name: 'published_only', action: 'SELECT', using: 'published' }],
            visitors: { read: ['id', 'title'], insert: ['title'] },
          },
        ],
      });
      await installModuleForSite(db, moduleId, site);
    }
    await setSitePublic(db, site, true);
    // A PostgREST login role of this file's own: pgrst.db_schemas is cluster-wide.
    await sql`create role ${sql.id(role)} login noinherit`.execute(db);
    await sql`alter role ${sql.id(role)} set pgrst.db_schemas = 'public, graphql_public'`.execute(
      db,
    );
    schemas = (await syncPostgrestSchemas(db, { role })).schemas;
  }, 120_000);
  afterAll(async () => {
    if (db) await sql`drop role if exists ${sql.id(role)}`.execute(db);
    await tdb?.destroy();
  });

  /** Runs splinter's file in a transaction that is rolled back, after `prepare`. */
  async function runSplinter(prepare: readonly string[] = []): Promise<Finding[]> {
    const text = readFileSync(splinterPath as string, 'utf8');
    const client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
    try {
      await client.query('begin');
      for (const statement of prepare) await client.query(statement);
      await client.query(`select set_config('pgrst.db_schemas', $1, true)`, [schemas.join(', ')]);
      // Splinter's file as published: `set local search_path = ''`, then one query.
      const results = (await client.query(text)) as unknown as pg.QueryResult[] | pg.QueryResult;
      const last = Array.isArray(results) ? results[results.length - 1] : results;
      return (last?.rows ?? []) as Finding[];
    } finally {
      await client.query('rollback').catch(() => undefined);
      await client.end();
    }
  }
  const ours = (findings: readonly Finding[]) =>
    findings
      .filter(
        (f) =>
          (f.level === 'ERROR' || f.level === 'WARN') &&
          PROJECT_OBJECT.test(`${f.detail} ${JSON.stringify(f.metadata)} ${f.cache_key}`),
      )
      .map((f) => `${f.level} ${f.name}: ${f.detail}`);

  it('reports no ERROR or WARN on any object the project creates', async () => {
    expect(schemas.filter((s) => s.startsWith('mod_')).length).toBeGreaterThan(0);
    const findings = await runSplinter();
    console.log(`[splinter] exposed schemas: ${schemas.join(', ')}`);
    console.log(`[splinter] ${findings.length} findings`);
    for (const f of findings) console.log(`[splinter] ${f.level} ${f.name}: ${f.detail}`);
    expect(ours(findings), 'ERROR/WARN findings on project objects').toEqual([]);
  });

  it('would see a project object without RLS (the check can fail)', async () => {
    const findings = await runSplinter([
      'create table public.dramac_probe_unprotected (id int primary key)',
      'grant select on public.dramac_probe_unprotected to anon',
    ]);
    const flagged = ours(findings).filter(
      (f) => f.startsWith('ERROR rls_disabled_in_public') && f.includes('dramac_probe_unprotected'),
    );
    expect(flagged).toHaveLength(1);
  });
});

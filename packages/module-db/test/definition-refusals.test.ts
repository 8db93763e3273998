// What a module author gets wrong in a definition is refused before anything reaches the
// database, with the path and the reason: a declared site_id (the platform adds it; it used to be
// accepted and replaced, so what the author declared silently did not happen), an extra key on a
// migration step, a step naming site_id. Against a real PostgreSQL: nothing is created or changed.
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkModuleDatabase,
  isDefinitionValidationError,
  migratePlatform,
  provisionModuleDatabase,
} from '../src/index';
import { moduleCatalogSnapshot } from './catalog-snapshot';

let tdb: TestDatabase;
let db: Kysely<any>;
beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
});
afterAll(() => tdb?.destroy());

/** A one-table `app` module; `columns` and `extra` replace or add parts. */
function dealsModule(columns: unknown[], extra: Record<string, unknown> = {}) {
  return {
    moduleId: randomUUID(),
    moduleType: 'app',
    version: '1.0.0',
    tables: [{ name: 'deals', columns }],
    ...extra,
  };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => {
      throw new Error('expected the definition to be refused');
    },
    (e: unknown) => e,
  );
  if (!isDefinitionValidationError(error)) throw error;
  return error;
}

describe('a declared site_id column', () => {
  it.each([
    ['site_id', { type: 'uuid', check: "site_id <> '00000000-0000-0000-0000-000000000000'" }],
    ['site_id', { type: 'text' }],
    ['Site_ID', { type: 'uuid' }],
  ])('%s %j is refused at its path, and nothing is created', async (name, column) => {
    const before = await moduleCatalogSnapshot(db);
    const definition = dealsModule([
      { name: 'title', type: 'text' },
      { name, ...column },
    ]);
    const error = await refusal(provisionModuleDatabase(db, definition));
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(error.issues).toEqual([
      {
        path: 'tables[0].columns[1].name',
        code: 'reserved_column',
        message: expect.stringMatching(/of table "deals" is added by the platform/),
      },
    ]);
    expect(error.message).toContain('tables[0].columns[1].name');
    expect(await moduleCatalogSnapshot(db)).toEqual(before);
  });

  it('the platform site_id is what the table gets', async () => {
    const definition = dealsModule([{ name: 'title', type: 'text' }]);
    const result = await provisionModuleDatabase(db, definition);
    const { rows } = await sql<{ column_name: string; data_type: string; is_nullable: string }>`
      select column_name, data_type, is_nullable from information_schema.columns
      where table_schema = ${result.schemaName} and table_name = ${`mod_${result.shortId}_deals`}
        and column_name = 'site_id'`.execute(db);
    expect(rows).toEqual([{ column_name: 'site_id', data_type: 'uuid', is_nullable: 'NO' }]);
  });
});

describe('an upgrade whose migration step is wrong', () => {
  async function installed() {
    const v1 = dealsModule([
      { name: 'title', type: 'text' },
      { name: 'stage', type: 'text', nullable: true },
    ]);
    await provisionModuleDatabase(db, v1);
    const v2 = {
      ...v1,
      version: '1.1.0',
      tables: [{ name: 'deals', columns: [{ name: 'title', type: 'text' }] }],
    };
    return { v1, v2 };
  }

  async function installedVersion(moduleId: string) {
    const { rows } = await sql<{ version: string }>`
      select version from public.module_database_registry where module_id = ${moduleId}`.execute(
      db,
    );
    return rows.map((r) => r.version);
  }

  it('an extra key is refused with its path and the step kind, and nothing changes', async () => {
    const { v1, v2 } = await installed();
    const before = await moduleCatalogSnapshot(db);
    const error = await refusal(
      provisionModuleDatabase(db, {
        ...v2,
        migrations: [{ kind: 'dropColumn', table: 'deals', column: 'stage', colum: 'stage' }],
      }),
    );
    expect(error.issues).toEqual([
      {
        path: 'migrations[0].colum',
        code: 'unknown_key',
        message: 'Unknown key "colum" on a dropColumn migration step (did you mean "column"?).',
      },
    ]);
    expect(await moduleCatalogSnapshot(db)).toEqual(before);
    expect(await installedVersion(v1.moduleId)).toEqual(['1.0.0']);
  });

  it('a key of another step kind is refused, saying which kind has it', async () => {
    const { v1, v2 } = await installed();
    const error = await refusal(
      provisionModuleDatabase(db, {
        ...v2,
        migrations: [{ kind: 'dropColumn', table: 'deals', column: 'stage', using: 'null' }],
      }),
    );
    expect(error.issues.map((i) => [i.path, i.code])).toEqual([
      ['migrations[0].using', 'unknown_key'],
    ]);
    expect(error.issues[0]?.message).toContain('belongs on');
    expect(error.issues[0]?.message).toContain('an alterType migration step');
    expect(await installedVersion(v1.moduleId)).toEqual(['1.0.0']);
  });

  it('a step naming site_id is refused, and nothing changes', async () => {
    const { v1 } = await installed();
    const before = await moduleCatalogSnapshot(db);
    const error = await refusal(
      provisionModuleDatabase(db, {
        ...v1,
        version: '1.1.0',
        migrations: [{ kind: 'backfill', table: 'deals', column: 'site_id', value: 'null' }],
      }),
    );
    expect(error.issues.map((i) => [i.path, i.code])).toEqual([
      ['migrations[0].column', 'reserved_column'],
    ]);
    expect(await moduleCatalogSnapshot(db)).toEqual(before);
    expect(await installedVersion(v1.moduleId)).toEqual(['1.0.0']);
  });
});

describe('a module installed by an older release with a declared site_id', () => {
  it('keeps working: the stored definition is read without it (drift clean, upgrades plan)', async () => {
    const definition = dealsModule([{ name: 'title', type: 'text' }]);
    await provisionModuleDatabase(db, definition);
    // What releases before this one stored: the author's site_id column, accepted and dropped.
    await sql`update public.module_database_registry
      set definition = jsonb_set(definition, '{tables,0,columns}',
        (definition #> '{tables,0,columns}') || '[{"name": "site_id", "type": "uuid"}]'::jsonb)
      where module_id = ${definition.moduleId}::uuid`.execute(db);
    const report = await checkModuleDatabase(db, definition.moduleId);
    expect(report.differences).toEqual([]);
    const next = { ...definition, version: '1.1.0' };
    next.tables = [
      {
        name: 'deals',
        columns: [
          { name: 'title', type: 'text' },
          { name: 'note', type: 'text', nullable: true },
        ],
      },
    ];
    expect((await provisionModuleDatabase(db, next)).status).toBe('upgraded');
  });
});

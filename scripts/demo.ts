// The main job until the playground lands: start an embedded PostgreSQL, lay the platform
// fixtures, create a sample module's namespace and print what exists. Grows with module-db.
import {
  generateModuleShortId,
  getModuleRoleName,
  getModuleSchemaName,
  getModuleTableName,
} from '@dramac/module-naming';
import {
  connect,
  createPlatformFactory,
  PLATFORM_FIXTURES_SQL,
  runScripts,
  SUPABASE_COMPAT_SQL,
  startEmbeddedPostgres,
} from '@dramac/test-db';
import { sql } from 'kysely';

const CRM_MODULE_ID = 'a1b2c3d4-0000-4000-8000-00000000c0de';

const server = await startEmbeddedPostgres();
console.log(`PostgreSQL (embedded) at ${new URL(server.url).host}, data in ${server.dataDir}`);
try {
  await runScripts(server.url, [SUPABASE_COMPAT_SQL, PLATFORM_FIXTURES_SQL]);
  const db = connect(server.url, 2);
  const factory = createPlatformFactory(db as never);
  const agency = await factory.agency('Demo Agency');
  const site = await factory.site(agency, 'Demo Site');

  const shortId = generateModuleShortId(CRM_MODULE_ID);
  const schema = getModuleSchemaName(shortId);
  const role = getModuleRoleName(shortId);
  console.log(`module ${CRM_MODULE_ID} -> short id ${shortId}, schema ${schema}, role ${role}`);
  for (const table of ['contacts', 'companies', 'deals', 'activities']) {
    const bySchema = getModuleTableName(shortId, table, 'schema').qualified;
    const byPrefix = getModuleTableName(shortId, table, 'prefix').qualified;
    console.log(
      `  ${table.padEnd(10)} schema strategy: ${bySchema.padEnd(26)} prefix strategy: ${byPrefix}`,
    );
  }

  await db.transaction().execute(async (trx) => {
    await sql`create role ${sql.id(role)} nologin`.execute(trx);
    await trx.schema.createSchema(schema).execute();
    await sql`grant usage on schema ${sql.id(schema)} to ${sql.id(role)}`.execute(trx);
  });
  const { rows } = await sql<{ nspname: string; owner: string; acl: string }>`
    select n.nspname, pg_get_userbyid(n.nspowner) as owner, n.nspacl::text as acl
    from pg_namespace n where n.nspname like 'mod\_%'`.execute(db);
  console.log('created:', rows);
  console.log(`platform fixtures: agency ${agency}, site ${site}`);
  await db.destroy();
} finally {
  await server.stop();
}

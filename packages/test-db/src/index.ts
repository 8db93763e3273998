export { withDatabase } from './database-url';
export {
  type EmbeddedPostgresOptions,
  type EmbeddedPostgresServer,
  findFreePort,
  startEmbeddedPostgres,
  testPostgresBinDir,
} from './embedded-postgres-server';
export {
  createPlatformFactory,
  type PlatformFactory,
  type PlatformTables,
} from './platform-factory';
export { acquirePostgres, type PostgresSource, type PostgresSourceKind } from './postgres-source';
export { type ApiRole, asUser, type RequestClaims } from './request-context';
export { PLATFORM_FIXTURES_SQL, SUPABASE_COMPAT_SQL } from './sql-scripts';
export { connect, createTemplateDatabase, dropDatabase, runScripts } from './template-database';
export { startTestDatabase, type TestDatabase } from './test-database';

// @dramac/module-db/local: a local platform for module development and tests (server-only).
// `dramac-modules dev` and @dramac/module-testing are built on it.

export type { DevelopmentPlatformResult } from './local/install-development-platform';
export { installDevelopmentPlatform } from './local/install-development-platform';
export type { LocalPostgresOptions, LocalPostgresServer } from './local/local-postgres';
export { findFreePort, isPortFree, startLocalPostgres } from './local/local-postgres';
export { LocalPostgresError } from './local/local-postgres-error';
export { PLATFORM_FIXTURES_SQL } from './local/platform-fixtures-sql';
export type { DemoPlatform, DemoSite, DemoVisitor } from './local/seed-demo-platform';
export { DEMO_PLATFORM, seedDemoPlatform } from './local/seed-demo-platform';
export { SUPABASE_COMPAT_SQL } from './local/supabase-compat-sql';

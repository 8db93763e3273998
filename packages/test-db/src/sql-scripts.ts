// The Supabase compatibility layer and the platform fixtures are published with
// @dramac/module-db/local (authors' `dramac-modules dev` and test kit use them): one copy.
// Relative for the reason given in embedded-postgres-server.ts.
export { PLATFORM_FIXTURES_SQL, SUPABASE_COMPAT_SQL } from '../../module-db/src/local';

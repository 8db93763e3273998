import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function load(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../sql/${name}`, import.meta.url)), 'utf8');
}

/**
 * The Supabase compatibility layer for plain PostgreSQL (roles `anon`, `authenticated`,
 * `service_role`, `authenticator`; `auth.uid()`, `auth.jwt()`, `auth.role()`). Test and
 * playground support only: never apply it to a real Supabase project.
 */
export const SUPABASE_COMPAT_SQL: string = load('supabase-compat.sql');

/** The platform tables the seed assumes: agencies, clients, sites, profiles, agency_members. */
export const PLATFORM_FIXTURES_SQL: string = load('platform-fixtures.sql');

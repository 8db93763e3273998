/**
 * The Supabase compatibility layer for a plain PostgreSQL: the roles a Supabase project has
 * (`anon`, `authenticated`, `service_role` with BYPASSRLS, `authenticator`), the `auth` schema with
 * `auth.users`, `auth.uid()`, `auth.jwt()` and `auth.role()` as Supabase defines them, and
 * Supabase's default privileges in `public`. Idempotent: roles are cluster-wide and several
 * databases share them.
 *
 * Local development and tests only (`dramac-modules dev`, `@dramac/module-testing`): **never
 * apply it to a real Supabase project**, which has all of this already.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const SUPABASE_COMPAT_SQL: string = `-- Supabase compatibility layer for plain PostgreSQL: TEST AND PLAYGROUND SUPPORT ONLY.
-- Never apply this to a real Supabase project: it recreates what Supabase already provides.
-- Roles are cluster-wide, so every statement is idempotent (several databases share them).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    -- BYPASSRLS, as on Supabase: the service role ignores row-level security.
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
    -- NOINHERIT: PostgREST logs in as authenticator and only gains a role's rights by
    -- switching to it for one transaction (SET LOCAL ROLE).
    CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD 'authenticator';
  END IF;
END
$$;

GRANT anon, authenticated, service_role TO authenticator;

CREATE SCHEMA IF NOT EXISTS auth;
CREATE SCHEMA IF NOT EXISTS extensions;

CREATE TABLE IF NOT EXISTS auth.users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text UNIQUE,
  role text NOT NULL DEFAULT 'authenticated',
  raw_user_meta_data jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The three functions as Supabase defines them: they read the claims PostgREST sets with
-- set_config('request.jwt.claims', ..., true), falling back to the older per-claim settings.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt() TO anon, authenticated, service_role;
GRANT ALL ON auth.users TO service_role;

-- Supabase's default privileges: every table the owner creates in public is granted to the API
-- roles. Reproduced on purpose, so tests prove that module tables revoke these grants.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

-- Extensions live in their own schema, as on Supabase, which puts it on the search_path.
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO PUBLIC;
DO $$
BEGIN
  EXECUTE format('ALTER ROLE %I SET search_path = "$user", public, extensions', current_user);
END
$$;
`;

/**
 * The platform tables module databases reference, as the DRAMAC platform has them: `agencies` ->
 * `clients` -> `sites`, `agency_members` (who may see which agency's sites) and `profiles`. Needs
 * `auth.users` (a Supabase project, or {@link SUPABASE_COMPAT_SQL} first). Idempotent.
 *
 * Local development and tests only: a real platform has its own versions of these tables.
 *
 * Static, checked-in SQL: nothing in it comes from input.
 */
export const PLATFORM_FIXTURES_SQL: string = `-- The platform tables the seed assumes (agencies -> clients -> sites, agency_members, profiles).
-- Test and playground fixtures: a real platform has its own versions of these tables.

CREATE TABLE IF NOT EXISTS public.agencies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.clients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agency_id uuid NOT NULL REFERENCES public.agencies (id) ON DELETE CASCADE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS clients_agency_id_idx ON public.clients (agency_id);

CREATE TABLE IF NOT EXISTS public.sites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  client_id uuid NOT NULL REFERENCES public.clients (id) ON DELETE CASCADE,
  name text NOT NULL,
  subdomain text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sites_client_id_idx ON public.sites (client_id);

CREATE TABLE IF NOT EXISTS public.profiles (
  id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  email text,
  full_name text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.agency_members (
  agency_id uuid NOT NULL REFERENCES public.agencies (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency_id, user_id)
);
-- Membership look-ups go by user first (policies ask "may this user see that site?").
CREATE INDEX IF NOT EXISTS agency_members_user_id_idx ON public.agency_members (user_id, agency_id);
`;

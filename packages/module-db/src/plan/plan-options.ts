/** Options of {@link planModuleDatabase}. */
export interface PlanOptions {
  /**
   * Roles whose privileges on module tables are revoked explicitly. Default: Supabase's API roles
   * `anon`, `authenticated` and `service_role`, because Supabase's default privileges grant them
   * every new table in `public`. Pass `[]` on a PostgreSQL without those roles.
   */
  readonly revokeFrom?: readonly string[];
}

/** Supabase's API roles. */
export const DEFAULT_REVOKE_FROM: readonly string[] = Object.freeze([
  'anon',
  'authenticated',
  'service_role',
]);

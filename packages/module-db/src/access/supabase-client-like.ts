/**
 * The part of a supabase-js client the Supabase transport uses: `schema(name).from(table)`. A
 * `SupabaseClient` of `@supabase/supabase-js` v2 is one. Structural on purpose: supabase-js is an
 * optional peer dependency, installed only by those who use this transport, so the published
 * types must not import it (an author's `tsc` with `skipLibCheck: false` and no supabase-js
 * installed would fail on the import).
 *
 * @example
 * ```ts
 * import { createClient } from '@supabase/supabase-js';
 * const supabase: SupabaseClientLike = createClient(url, anonKey);
 * ```
 *
 * @throws Never; this is a type.
 */
export interface SupabaseClientLike {
  schema(schema: string): { from(relation: string): unknown };
}

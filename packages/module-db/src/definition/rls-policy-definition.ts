import { z } from 'zod';

/**
 * Commands a module policy can apply to.
 *
 * @example
 * ```ts
 * POLICY_ACTIONS.includes('ALL'); // true
 * ```
 *
 * @throws Never; this is a constant.
 */
export const POLICY_ACTIONS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'ALL'] as const;

/**
 * The zod schema of one module-authored row-level-security policy (the seed's
 * `RLSPolicyDefinition`).
 *
 * Module policies are always created `AS RESTRICTIVE` for the module's own role: they can only
 * narrow what the platform's mandatory site policy allows. The seed's `roles` field is accepted
 * by this shape (so old definitions parse) but {@link validateModuleDefinition} refuses it with
 * an explanation.
 *
 * @example
 * ```ts
 * RlsPolicyDefinitionSchema.parse({ name: 'hide_deleted', action: 'SELECT', using: "stage <> 'deleted'" });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const RlsPolicyDefinitionSchema = z
  .object({
    name: z.string(),
    action: z.enum(POLICY_ACTIONS),
    /** Which existing rows are visible or affected; not allowed for `INSERT`. */
    using: z.string().optional(),
    /** Which new rows may be written; not allowed for `SELECT` and `DELETE`. */
    withCheck: z.string().optional(),
    /**
     * Refused by validation: module policies always apply to the module's own role.
     * @deprecated Kept in the shape only to explain the refusal.
     */
    roles: z.array(z.string()).optional(),
  })
  .strict();

/**
 * A declared policy, as accepted by {@link RlsPolicyDefinitionSchema}.
 *
 * @example
 * ```ts
 * const policy: RlsPolicyDefinition = { name: 'open_deals', action: 'ALL', using: "stage <> 'deleted'" };
 * ```
 *
 * @throws Never; this is a type.
 */
export type RlsPolicyDefinition = z.infer<typeof RlsPolicyDefinitionSchema>;

/**
 * Options of {@link planModuleDatabase} and {@link planModuleUpgrade}. None today: what a plan
 * creates follows from the definition alone. (Earlier versions took `revokeFrom`; module tables
 * are now owned by the module's owner role, which no default privilege covers, and the database
 * proves that no other role holds a privilege on them.)
 *
 * @example
 * planModuleDatabase(definition, {});
 */
// biome-ignore lint/complexity/noBannedTypes: reserved for options; accepted for compatibility.
export type PlanOptions = {};

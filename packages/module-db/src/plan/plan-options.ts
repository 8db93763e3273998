/**
 * Options of {@link planModuleDatabase} and {@link planModuleUpgrade}. What a plan creates follows
 * from the definition alone; the options only choose how an upgrade applies it. (Earlier versions
 * took `revokeFrom`; module tables are now owned by the module's owner role, which no default
 * privilege covers, and the database proves that no other role holds a privilege on them.)
 *
 * @example
 * planModuleUpgrade(v1, v2, { concurrentIndexes: true });
 */
export interface PlanOptions {
  /**
   * Upgrades only: leave each new plain index of an existing table (btree, not unique, no
   * predicate) out of the upgrade's transaction and list it in `concurrentIndexes`, to be built
   * with `CREATE INDEX CONCURRENTLY` afterwards (see `buildPendingIndexes`), so that writers are
   * not blocked while it is built. Default false: every index is built inside the transaction.
   */
  readonly concurrentIndexes?: boolean;
}

// The public surface of @dramac/module-db: explicit export lines only.

export type {
  CollectionDataClient,
  ItemListOptions,
  ItemPage,
  ItemRow,
} from './access/collection-data-client';
// Data access (also on the browser-safe `@dramac/module-db/client` and `/postgres` subpaths)
export type {
  CappedCount,
  CappedCountOptions,
  CountMode,
  CountOptions,
  CountResult,
  ExactCountOptions,
} from './access/count-options';
export { DEFAULT_COUNT_CAP, MAX_COUNT_CAP } from './access/count-options';
export type {
  DataRow,
  DataTransport,
  Filter,
  FilterOperator,
  InsertOptions,
  ModuleStatus,
  OrderBy,
  RequestContext,
  SelectQuery,
  TableTarget,
} from './access/data-transport';
export type {
  FindOptions,
  ModuleDataClient,
  ModuleDataClientOptions,
  Page,
  PageOptions,
} from './access/module-data-client';
export { createModuleDataClient, MAX_LIMIT, MAX_SORT_KEYS } from './access/module-data-client';
export type { ModuleDefinitionLike } from './access/module-metadata';
export type { PostgresPool } from './access/pg-pipeline';
export type { PostgresTransportOptions } from './access/postgres-transport';
export { createPostgresTransport } from './access/postgres-transport';
// Quotas and metering (platform migration 8)
export type { RateLimiter, RateLimiterOptions } from './access/rate-limit';
export { createRateLimiter } from './access/rate-limit';
export type {
  VisitorInsert,
  VisitorInsertableTable,
  VisitorInsertColumn,
  VisitorReadableTable,
  VisitorReadColumn,
  VisitorRow,
} from './access/visitor-types';
export type {
  WhereInput,
  WhereLimit,
  WhereOperators,
  WhereScalar,
  WhereValue,
} from './access/where-input';
export { WHERE_LIMITS } from './access/where-input';
export type {
  CollectionNames,
  CollectionOf,
  VisitorInsertableCollection,
  VisitorInsertField,
  VisitorReadableCollection,
  VisitorReadField,
  VisitorWidgetItem,
  VisitorWidgetItemInsert,
  WidgetItem,
  WidgetItemValue,
} from './access/widget-item-types';
export type { ColumnDefinition } from './definition/column-definition';
// Definitions
export { ColumnDefinitionSchema } from './definition/column-definition';
export type { DeepReadonly } from './definition/deep-freeze';
export type { ModuleDefinitionInput } from './definition/define-module';
export { defineModule } from './definition/define-module';
export { checkDefinitionSize, DEFINITION_LIMITS } from './definition/definition-limits';
export type { ExactModuleDefinition } from './definition/exact-module-definition';
export type { ForeignKeyDefinition } from './definition/foreign-key-definition';
export {
  FOREIGN_KEY_ACTIONS,
  ForeignKeyDefinitionSchema,
} from './definition/foreign-key-definition';
export type { IndexDefinition } from './definition/index-definition';
export { INDEX_METHODS, IndexDefinitionSchema } from './definition/index-definition';
export { defaultStrategyFor, resolveStrategy } from './definition/isolation-strategy';
export type { JsonValue } from './definition/json-value';
export type { MigrationStep } from './definition/migration-step';
// Upgrades
export { MigrationStepSchema } from './definition/migration-step';
export type { ModuleDatabaseConfig } from './definition/module-database-config';
export {
  ISOLATION_STRATEGIES,
  MODULE_TYPES,
  ModuleDatabaseConfigSchema,
  SEMVER_PATTERN,
} from './definition/module-database-config';
export type { ReservedColumnName } from './definition/reserved-column-names';
export { RESERVED_COLUMN_NAMES } from './definition/reserved-column-names';
export type { RlsPolicyDefinition } from './definition/rls-policy-definition';
export { POLICY_ACTIONS, RlsPolicyDefinitionSchema } from './definition/rls-policy-definition';
export type {
  AnyModuleDefinition,
  ColumnTypeToTs,
  ColumnTypeToWriteTs,
  Insert,
  Row,
  TableNames,
  TableOf,
  Update,
} from './definition/row-types';
export type { TableDefinition } from './definition/table-definition';
export { TableDefinitionSchema } from './definition/table-definition';
export { PLATFORM_FOREIGN_KEY_TARGETS } from './definition/validate-foreign-keys';
export type { SafeValidateResult } from './definition/validate-module-definition';
export {
  safeValidateModuleDefinition,
  validateModuleDefinition,
} from './definition/validate-module-definition';
export type {
  ForeignKeyAction,
  ForeignKeyTarget,
  IsolationStrategy,
  ModuleType,
  PolicyAction,
  ValidatedCheck,
  ValidatedColumn,
  ValidatedForeignKey,
  ValidatedIndex,
  ValidatedModuleDefinition,
  ValidatedPolicy,
  ValidatedTable,
} from './definition/validated-definition';
export type { ValidatedVisitorAccess, VisitorAccess } from './definition/visitor-access';
export { VisitorAccessSchema } from './definition/visitor-access';
// Drift
export { checkModuleDatabase } from './drift/check-module-database';
export type { DriftDifference, DriftDifferenceKind, DriftReport } from './drift/drift-difference';
export { DRIFT_DIFFERENCE_KINDS } from './drift/drift-difference';
export type {
  ModuleRepairPlan,
  ModuleRepairResult,
  RepairOptions,
} from './drift/repair-module-database';
export {
  planModuleRepair,
  renderRepairPlan,
  repairModuleDatabase,
} from './drift/repair-module-database';
export type {
  ColumnLocation,
  DefinitionIssue,
  ModuleDbErrorCode,
  ModuleDbErrorOptions,
  PostgresErrorDetails,
  QuotaLimitName,
  RefusedChange,
  VisitorOperation,
} from './errors';
// Errors
export {
  AccessDeniedError,
  ConflictError,
  ConstraintViolationError,
  DatabaseError,
  DefinitionValidationError,
  isDefinitionValidationError,
  isModuleDbError,
  ModuleDbError,
  ModuleVersionMismatchError,
  NotFoundError,
  NotSupportedError,
  ProvisioningError,
  QueryLimitError,
  QueryTimeoutError,
  QueryValidationError,
  QuotaExceededError,
  RateLimitedError,
  UpgradeRefusedError,
  VisitorNotAllowedError,
} from './errors';
// Lifecycle
export type {
  MissingObject,
  ModuleObjectKind,
  OrphanedObject,
  OrphanReport,
} from './lifecycle/check-orphans';
export { checkOrphans } from './lifecycle/check-orphans';
export type {
  DeprecatedModule,
  DeprovisionOptions,
  DeprovisionResult,
  DroppedModule,
} from './lifecycle/deprovision-module-database';
export { deprovisionModuleDatabase } from './lifecycle/deprovision-module-database';
export type { DropDueModulesOptions } from './lifecycle/drop-due-modules';
export { dropDueModules } from './lifecycle/drop-due-modules';
export { getModuleRegistryEntry } from './lifecycle/get-module-registry-entry';
export type {
  ModuleStats,
  ModuleStatsOptions,
  ModuleTableStats,
} from './lifecycle/get-module-stats';
export { getModuleStats } from './lifecycle/get-module-stats';
export type {
  InstallModuleOptions,
  InstallModuleResult,
} from './lifecycle/install-module-for-site';
export { installModuleForSite } from './lifecycle/install-module-for-site';
export type {
  ListModuleEventsOptions,
  ModuleEvent,
  ModuleEventKind,
} from './lifecycle/list-module-events';
export { listModuleEvents } from './lifecycle/list-module-events';
export { listModules } from './lifecycle/list-modules';
export type { ModuleRegistryEntry } from './lifecycle/module-registry-entry';
export type { SetSitePublicOptions } from './lifecycle/site-visibility';
export { isSitePublic, setSitePublic } from './lifecycle/site-visibility';
export type {
  ExportedRow,
  UninstallModuleOptions,
  UninstallModuleResult,
} from './lifecycle/uninstall-module-from-site';
export { uninstallModuleFromSite } from './lifecycle/uninstall-module-from-site';
// Lint
export type { LintCode, LintFinding, LintLevel, LintReport } from './lint/lint-finding';
export { LINT_CODES, LINT_LEVELS } from './lint/lint-finding';
export { lintModuleDatabase } from './lint/lint-module-database';
export { desiredModuleState } from './model/desired-module-state';
// The one model of a module's database: desired state, catalog state, one diff
export type {
  ColumnGrantState,
  ColumnState,
  ConstraintState,
  ForeignKeyReference,
  GrantState,
  IndexState,
  ModuleState,
  PolicyState,
  ReferentialAction,
  TableState,
  TriggerState,
} from './model/module-state';
// Plan
export type { ModulePlan } from './plan/module-plan';
export { planModuleDatabase, SITE_POLICY_NAME } from './plan/plan-module-database';
export type {
  ChangeClass,
  ConcurrentIndex,
  ModuleChange,
  ModuleUpgradePlan,
} from './plan/plan-module-upgrade';
export { planModuleUpgrade, renderUpgradePlan } from './plan/plan-module-upgrade';
export type { PlanOptions } from './plan/plan-options';
export type { PlannedStatement, PlanStepKind } from './plan/planned-statement';
export { renderPlan } from './plan/render-plan';
export type {
  MigratePlatformOptions,
  MigratePlatformResult,
  PlatformMigration,
} from './platform/platform-migrations';
// Platform
export { migratePlatform, PLATFORM_MIGRATIONS } from './platform/platform-migrations';
export type {
  PrerequisiteReport,
  PrerequisiteTarget,
} from './prerequisites/check-platform-prerequisites';
// Prerequisites: PostgreSQL 15-17, the platform tables, the migration user's privileges
export {
  AUTH_GRANTS_SQL,
  assertPlatformPrerequisites,
  checkPlatformPrerequisites,
  PLATFORM_TABLES,
} from './prerequisites/check-platform-prerequisites';
export type { PostgresVersion } from './prerequisites/check-postgres-version';
export {
  assertSupportedPostgresVersion,
  checkPostgresVersion,
} from './prerequisites/check-postgres-version';
export type { MissingPrerequisite, PrerequisiteKind } from './prerequisites/prerequisite-errors';
export {
  PrerequisiteMissingError,
  SUPPORTED_POSTGRES_RANGE,
  SUPPORTED_POSTGRES_VERSIONS,
  UnsupportedPostgresVersionError,
} from './prerequisites/prerequisite-errors';
export type { ApplyOptions, ApplyResult } from './provision/apply-module-plan';
// Provisioning
export { applyModulePlan } from './provision/apply-module-plan';
export type { UpgradeOptions, UpgradeResult } from './provision/apply-module-upgrade';
export { applyModuleUpgrade } from './provision/apply-module-upgrade';
export type {
  BuildIndexesOptions,
  BuildIndexesResult,
  PendingIndexBuild,
} from './provision/build-pending-indexes';
export {
  buildPendingIndexes,
  canBuildIndexesOnline,
  pendingIndexBuilds,
} from './provision/build-pending-indexes';
export { definitionChecksum } from './provision/definition-checksum';
export type { InstalledDefinition } from './provision/installed-definition';
export { readInstalledDefinition } from './provision/installed-definition';
export type {
  PostgrestExposureOptions,
  PostgrestExposureResult,
} from './provision/postgrest-exposure';
export { syncPostgrestSchemas } from './provision/postgrest-exposure';
export type { ProvisionOptions, ProvisionResult } from './provision/provision-module-database';
export { provisionModuleDatabase } from './provision/provision-module-database';
export type {
  CallWindow,
  GetUsageOptions,
  ModuleUsage,
  SiteUsage,
  TableUsage,
} from './quota/get-usage';
export { getUsage, recountUsage } from './quota/get-usage';
export type { UsageMeter, UsageMeterOptions } from './quota/metering';
export { createUsageMeter } from './quota/metering';
export { QUOTA_EXCEEDED_SQLSTATE } from './quota/quota-exceeded';
export type {
  EffectiveQuotaLimits,
  QuotaLimitEntry,
  QuotaScope,
  SetQuotaLimitOptions,
} from './quota/quota-limits';
export {
  DEFAULT_QUOTA_LIMITS,
  getModuleLimits,
  listQuotaLimits,
  QUOTA_LIMIT_NAMES,
  resetQuotaLimit,
  SITE_QUOTA_LIMITS,
  setQuotaLimit,
} from './quota/quota-limits';
export type { WithQuotasOptions } from './quota/with-quotas';
export { withQuotas } from './quota/with-quotas';
export type { AllowedBaseType, ColumnType } from './sql/column-type';
// SQL types and expressions (validated through the PostgreSQL parser)
export { ALLOWED_BASE_TYPES, formatColumnType } from './sql/column-type';
export type { CompiledExpression, ExpressionContext } from './sql/sql-expression';
export type { MintModuleTokenOptions, ModuleTokenClaims } from './tokens/mint-module-token';
export {
  MAX_MODULE_TOKEN_SECONDS,
  mintModuleToken,
  verifyModuleToken,
} from './tokens/mint-module-token';

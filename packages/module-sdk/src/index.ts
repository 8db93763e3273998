// The public surface of @dramac/module-sdk: explicit export lines only. Browser-safe: it imports
// only @dramac/module-db/client (no pg, no Kysely driver, no SQL parser).

// Re-exported from @dramac/module-db/client so module code needs one import.
export type {
  AnyModuleDefinition,
  CappedCount,
  CappedCountOptions,
  CollectionNames,
  ColumnLocation,
  CountMode,
  CountOptions,
  CountResult,
  DataTransport,
  ExactCountOptions,
  Insert,
  ItemListOptions,
  ItemPage,
  ModuleDbErrorCode,
  ModuleDefinitionLike,
  QuotaLimitName,
  RequestContext,
  Row,
  TableNames,
  Update,
  VisitorInsert,
  VisitorInsertableCollection,
  VisitorInsertableTable,
  VisitorOperation,
  VisitorReadableCollection,
  VisitorReadableTable,
  VisitorRow,
  VisitorWidgetItem,
  VisitorWidgetItemInsert,
  WidgetItem,
  WidgetItemValue,
} from '@dramac/module-db/client';
export {
  AccessDeniedError,
  ConflictError,
  ConstraintViolationError,
  DatabaseError,
  DEFAULT_COUNT_CAP,
  defineModule,
  isModuleDbError,
  MAX_COUNT_CAP,
  ModuleDbError,
  ModuleVersionMismatchError,
  NotFoundError,
  NotSupportedError,
  QueryLimitError,
  QueryTimeoutError,
  QueryValidationError,
  QuotaExceededError,
  RateLimitedError,
  VisitorNotAllowedError,
  WHERE_LIMITS,
} from '@dramac/module-db/client';
export type { AnyRow, BatchOperation, BatchOptions } from './batch-operation';
export type {
  FindOptions,
  FindPageOptions,
  FoundPage,
  OrderByInput,
  Selected,
} from './find-options';
export type { DatabaseSDKClientOptions, DatabaseSDKOptions } from './module-database-sdk';
export { createDatabaseSDK, ModuleDatabaseSDK } from './module-database-sdk';
export type {
  VisitorCollection,
  VisitorColumn,
  VisitorFindOptions,
  VisitorFindPageOptions,
  VisitorSDKOptions,
  VisitorSelected,
} from './visitor-database-sdk';
export { VisitorDatabaseSDK } from './visitor-database-sdk';
export type {
  ColumnCondition,
  ColumnName,
  ColumnOperators,
  PrimaryKeyOf,
  PrimaryKeyValue,
  VisitorWhere,
  Where,
} from './where';
export { WidgetCollectionSDK } from './widget-collection-sdk';

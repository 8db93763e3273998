// @dramac/module-db/client: the browser-safe part (no pg, no Kysely driver, no parser).

export type {
  CollectionDataClient,
  ItemListOptions,
  ItemPage,
  ItemRow,
} from './access/collection-data-client';
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
} from './access/module-data-client';
export { createModuleDataClient, MAX_LIMIT, MAX_SORT_KEYS } from './access/module-data-client';
export type { ModuleDefinitionLike } from './access/module-metadata';
export type { SupabaseClientLike } from './access/supabase-client-like';
export {
  createSupabaseTransport,
  SupabaseTransportError,
} from './access/supabase-transport';
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
export type { ModuleDefinitionInput } from './definition/define-module';
export { defineModule } from './definition/define-module';
export type { ExactModuleDefinition } from './definition/exact-module-definition';
export type { JsonValue } from './definition/json-value';
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
export type { IsolationStrategy, ModuleType } from './definition/validated-definition';
export type {
  ColumnLocation,
  DefinitionIssue,
  ModuleDbErrorCode,
  QuotaLimitName,
  VisitorOperation,
} from './errors';
export {
  AccessDeniedError,
  ConflictError,
  ConstraintViolationError,
  DatabaseError,
  DefinitionValidationError,
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
  VisitorNotAllowedError,
} from './errors';

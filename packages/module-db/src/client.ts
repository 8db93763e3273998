// @dramac/module-db/client: the browser-safe part (no pg, no Kysely driver, no parser).

export type {
  DataRow,
  DataTransport,
  Filter,
  FilterOperator,
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
export { createModuleDataClient, MAX_LIMIT } from './access/module-data-client';
export type { ModuleDefinitionLike } from './access/module-metadata';
export type {
  SupabaseCountMethod,
  SupabaseTransportOptions,
} from './access/supabase-transport';
export {
  createSupabaseTransport,
  SupabaseTransportError,
} from './access/supabase-transport';
export type { WhereInput, WhereOperators, WhereScalar, WhereValue } from './access/where-input';
export type { ModuleDefinitionInput } from './definition/define-module';
export { defineModule } from './definition/define-module';
export type { JsonValue } from './definition/json-value';
export type {
  AnyModuleDefinition,
  ColumnTypeToTs,
  Insert,
  Row,
  TableNames,
  TableOf,
  Update,
} from './definition/row-types';
export type { IsolationStrategy, ModuleType } from './definition/validated-definition';
export type { DefinitionIssue, ModuleDbErrorCode } from './errors';
export {
  AccessDeniedError,
  ConflictError,
  ConstraintViolationError,
  DatabaseError,
  DefinitionValidationError,
  isModuleDbError,
  ModuleDbError,
  NotFoundError,
  NotSupportedError,
  ProvisioningError,
  QueryValidationError,
} from './errors';

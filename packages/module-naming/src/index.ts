export type { DeriveIdentifierOptions } from './derive-identifier';
export { deriveIdentifier } from './derive-identifier';
export {
  checkConstraintName,
  foreignKeyName,
  indexName,
  policyName,
  primaryKeyName,
  siteIndexName,
  triggerName,
  uniqueConstraintName,
} from './derived-names';
export type {
  ModuleNamingErrorCode,
  ModuleNamingErrorJSON,
  ModuleNamingErrorOptions,
} from './errors';
export { isModuleNamingError, ModuleNamingError } from './errors';
export type { IsolationStrategyName } from './isolation-strategy-name';
export { MAX_IDENTIFIER_BYTES } from './max-identifier-bytes';
export {
  getModuleAdminRoleName,
  isModuleAdminRoleName,
  parseModuleAdminRoleName,
} from './module-admin-role-name';
export { isModuleId, normalizeModuleId } from './module-id';
export {
  getModuleOwnerRoleName,
  isModuleOwnerRoleName,
  parseModuleOwnerRoleName,
} from './module-owner-role-name';
export { getModuleRoleName, isModuleRoleName, parseModuleRoleName } from './module-role-name';
export {
  getModuleSchemaName,
  isModuleSchemaName,
  parseModuleSchemaName,
} from './module-schema-name';
export { generateModuleShortId, isModuleShortId } from './module-short-id';
export type { GetModuleTableNameOptions, ModuleTableName } from './module-table-name';
export { getModuleTableName, maxTableNameBytes } from './module-table-name';
export {
  getModuleVisitorRoleName,
  isModuleVisitorRoleName,
  parseModuleVisitorRoleName,
} from './module-visitor-role-name';
export { RESERVED_WORDS } from './reserved-words';
export { shortHash } from './short-hash';
export type { IdentifierKind, ValidateIdentifierOptions } from './validate-identifier';
export { isValidIdentifier, validateIdentifier } from './validate-identifier';

// @dramac/module-db/admin: server-only; the module admin client (BYPASSRLS, one module's tables).

export type { ModuleAdminClientOptions } from './access/module-admin-client';
export { createModuleAdminClient } from './access/module-admin-client';

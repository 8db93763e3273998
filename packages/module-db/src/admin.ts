// @dramac/module-db/admin: server-only; the module admin client (every site's rows of one
// module's tables, through the `dramac_admin_access` policy; no BYPASSRLS).

export type { ModuleAdminClientOptions } from './access/module-admin-client';
export { createModuleAdminClient } from './access/module-admin-client';

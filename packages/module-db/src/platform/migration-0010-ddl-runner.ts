import { SQL_APPLY_MODULE_CHANGE_FUNCTION } from './sql-apply-module-change';
import { SQL_DDL_RUNNER } from './sql-ddl-runner';

/**
 * Platform migration 10: one persistent function runs every module's statements.
 *
 * Migrations 6-9 created a SECURITY DEFINER function owned by the module's owner role for each
 * install, upgrade and repair, and dropped it afterwards. PL/pgSQL keeps the compiled form of each
 * such function in the backend until the connection closes: about 100 KB per provision and
 * deprovision pair on a provisioning connection, never given back. `dramac_ddl.run(text[])` (see
 * sql-ddl-runner.ts) is one function with one oid, owned by the module's owner role for the one
 * call and by `dramac_platform` at rest, when it runs nothing; `dramac_apply_module_change` is
 * replaced to use it, and checks after the call that the function is unchanged and that its schema
 * holds nothing else.
 *
 * On a database that migration 6 set up with this code, both are already there: replacing them
 * changes nothing. Static, checked-in SQL: nothing in it comes from input.
 */
export const MIGRATION_0010_DDL_RUNNER = `
${SQL_DDL_RUNNER}
-- dramac_apply_module_change belongs to dramac_platform (migration 6): replaced as dramac_platform,
-- which holds CREATE on public since migration 6. Replacing keeps its owner, privileges and settings.
SELECT pg_catalog.set_config('dramac.migration_role', pg_catalog.current_setting('role'), true);
SET LOCAL ROLE dramac_platform;
${SQL_APPLY_MODULE_CHANGE_FUNCTION}
SELECT pg_catalog.set_config('role', pg_catalog.current_setting('dramac.migration_role'), true);
`;

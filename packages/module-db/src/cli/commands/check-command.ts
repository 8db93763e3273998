import { checkModuleDatabase } from '../../drift/check-module-database';
import type { DriftReport } from '../../drift/drift-difference';
import { checkOrphans, type OrphanReport } from '../../lifecycle/check-orphans';
import { listModules } from '../../lifecycle/list-modules';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  readModuleIds,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

/** `dramac-modules check`: drift between the live catalog and the registry, and orphans. */
export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'detect drift (catalog vs registry) and orphaned objects',
  help: `Usage: dramac-modules check [<module-id | definition-file>...] [options]

For each module (all registered modules when none is named), compares the live catalog with
what its registered definition plans: missing or extra tables, columns, indexes, constraints,
policies, grants, RLS not enabled or not forced. Without arguments it also compares the registry
with the catalog as a whole: module schemas, tables and roles nobody registered (orphans) and
registered objects that are gone.

Options:
  --no-orphans          skip the orphan check
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 no drift; 3 drift or orphans found (error code DRIFT_FOUND); 5 database error or
platform not migrated; 7 a named module is not installed.`,
  options: { 'no-orphans': { type: 'boolean' }, export: { type: 'string' } },
  async run(context: CommandContext): Promise<CommandResult> {
    const named = await readModuleIds(context);
    return withDatabase(context, async (db) => {
      const ids = named.length > 0 ? named : (await listModules(db)).map((e) => e.moduleId);
      const reports: DriftReport[] = [];
      for (const [i, id] of ids.entries()) {
        context.out.progress(i + 1, ids.length, `checking ${id}`);
        reports.push(await checkModuleDatabase(db, id));
      }
      const orphans: OrphanReport | null =
        named.length === 0 && !context.options['no-orphans'] ? await checkOrphans(db) : null;
      for (const report of reports) {
        if (report.ok) {
          context.out.line(`ok     ${report.shortId} ${report.version}`);
        } else {
          context.out.line(
            `DRIFT  ${report.shortId} ${report.version}: ${report.differences.length} difference(s)`,
          );
          for (const d of report.differences) context.out.line(`  - [${d.kind}] ${d.message}`);
        }
      }
      if (ids.length === 0) context.out.line('no modules installed');
      const orphanCount = orphans
        ? orphans.orphanedObjects.length + orphans.missingObjects.length
        : 0;
      if (orphans) {
        for (const o of orphans.orphanedObjects) {
          context.out.line(`ORPHAN ${o.kind} ${o.name}: in the catalog, not in the registry`);
        }
        for (const m of orphans.missingObjects) {
          context.out.line(
            `MISSING ${m.kind} ${m.name}: registered to ${m.moduleId}, not in the catalog`,
          );
        }
        if (orphanCount === 0) context.out.line('no orphaned or missing objects');
      }
      const drifted = reports.filter((r) => !r.ok).map((r) => r.moduleId);
      const ok = drifted.length === 0 && orphanCount === 0;
      return {
        json: { modules: reports, ...(orphans ? { orphans } : {}) },
        ...(ok
          ? {}
          : {
              error: new CliError(
                'DRIFT_FOUND',
                EXIT_CODES.CHECK_FAILED,
                [
                  drifted.length > 0 ? `${drifted.length} module(s) drifted` : null,
                  orphanCount > 0 ? `${orphanCount} orphaned or missing object(s)` : null,
                ]
                  .filter(Boolean)
                  .join(', '),
                { details: { drifted, orphans: orphanCount } },
              ),
            }),
      };
    });
  },
};

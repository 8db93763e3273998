import type { Kysely } from 'kysely';
import * as api from '../../index';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import { formatTable } from '../cli-output';
import {
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  readModuleIds,
  withDatabase,
} from '../command-support';
import { CliError, EXIT_CODES } from '../exit-codes';

/** The shape of `lintModuleDatabase`'s report the CLI prints. */
interface LintReportLike {
  readonly ok: boolean;
  readonly modules: readonly string[];
  readonly findings: readonly {
    readonly code: string;
    readonly level: string;
    readonly object: string;
    readonly moduleId: string;
    readonly message: string;
    readonly remedy: string;
  }[];
}
type LintFunction = (db: Kysely<any>, moduleId?: string) => Promise<LintReportLike>;

// Looked up on the public surface at run time, so the CLI builds whether or not this version of
// the package ships the linter.
const lintModuleDatabase = (api as Record<string, unknown>).lintModuleDatabase as
  | LintFunction
  | undefined;

/** `dramac-modules lint`: the isolation and performance linter over the live catalog. */
export const lintCommand: CliCommand = {
  name: 'lint',
  summary: 'lint module namespaces in the live catalog (RLS, policies, grants, indexes)',
  help: `Usage: dramac-modules lint [<module-id | definition-file>...] [options]

Runs lintModuleDatabase over the live catalog of each module (all registered modules when none
is named): RLS disabled or not forced, a missing site policy, permissive module policies,
policies that are always true or call functions per row, grants to API roles, SECURITY DEFINER
functions without a search_path, unindexed site_id or foreign keys, and more. Each finding has a
level (error, warn, info), the object, what is wrong and what to do.

Options:
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 no error or warning (info findings allowed); 3 findings at error or warn level
(error code LINT_FINDINGS); 5 database error or platform not migrated; 7 a named module is not
installed; 1 this version of @dramac/module-db has no linter.`,
  options: { export: { type: 'string' } },
  async run(context: CommandContext): Promise<CommandResult> {
    if (typeof lintModuleDatabase !== 'function') {
      throw new CliError(
        'NOT_AVAILABLE',
        EXIT_CODES.INTERNAL,
        'this version of @dramac/module-db has no lintModuleDatabase: lint is not available',
      );
    }
    const ids = await readModuleIds(context);
    return withDatabase(context, async (db) => {
      const reports: LintReportLike[] = [];
      if (ids.length === 0) {
        context.out.progress(1, 1, 'linting every registered module');
        reports.push(await lintModuleDatabase(db));
      } else {
        for (const [i, id] of ids.entries()) {
          context.out.progress(i + 1, ids.length, `linting ${id}`);
          reports.push(await lintModuleDatabase(db, id));
        }
      }
      const modules = reports.flatMap((r) => r.modules);
      const findings = reports.flatMap((r) => r.findings);
      const ok = reports.every((r) => r.ok);
      const problems = findings.filter((f) => f.level === 'error' || f.level === 'warn').length;
      if (findings.length > 0) {
        context.out.line(
          formatTable(
            ['level', 'code', 'object', 'message'],
            findings.map((f) => [f.level, f.code, f.object, `${f.message} (fix: ${f.remedy})`]),
          ),
        );
      }
      const count = (level: string) => findings.filter((f) => f.level === level).length;
      context.out.line(
        `${modules.length} module(s) linted: ${count('error')} error(s), ${count('warn')} warning(s), ${count('info')} info`,
      );
      return {
        json: { modules, findings },
        ...(ok
          ? {}
          : {
              error: new CliError(
                'LINT_FINDINGS',
                EXIT_CODES.CHECK_FAILED,
                `${problems} finding(s) at error or warn level`,
                { details: { errors: count('error'), warnings: count('warn') } },
              ),
            }),
      };
    });
  },
};

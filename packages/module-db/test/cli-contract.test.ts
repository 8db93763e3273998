// The CLI's contract with scripts, run as a process against real PostgreSQL databases: database
// URLs checked before connecting, connection failures as exit 5, bad flag values as usage errors
// naming the flag, one platform check for every command, one JSON shape for every result and
// every error, and one exit-code table shared by --help, the README and the JSON.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../src/cli/run-cli';
import { getModuleRegistryEntry, migratePlatform, provisionModuleDatabase } from '../src/index';
import {
  type CliRun,
  expectJsonShape,
  inBatches,
  removeCliBundle,
  runCliProcess,
  startCli,
} from './cli-process';

const here = dirname(fileURLToPath(import.meta.url));

let bare: TestDatabase; // never migrated
let tdb: TestDatabase; // migrated, with two modules
let dir: string;

const notesId = randomUUID();
const plainId = randomUUID();
const notes = (version: string, columns: object[] = [{ name: 'body', type: 'text' }]) => ({
  moduleId: notesId,
  moduleType: 'system',
  version,
  name: 'Notes',
  tables: [{ name: 'notes', columns: [{ name: 'title', type: 'text' }, ...columns] }],
});
// No display name: status shows "-" in text and null in JSON.
const plain = {
  moduleId: plainId,
  moduleType: 'app',
  version: '1.0.0',
  tables: [{ name: 'items', columns: [{ name: 'label', type: 'text' }] }],
};

const cli = (args: readonly string[], env: Record<string, string | undefined> = {}) =>
  runCliProcess(args, { cwd: dir, env: { DATABASE_URL: tdb.url, ...env } });

async function file(name: string, value: unknown): Promise<string> {
  await writeFile(join(dir, name), JSON.stringify(value, null, 2));
  return name;
}

beforeAll(async () => {
  [bare, tdb] = await Promise.all([startTestDatabase(), startTestDatabase()]);
  dir = await mkdtemp(join(tmpdir(), 'dramac-cli-contract-'));
  await migratePlatform(tdb.db as Kysely<any>);
  await provisionModuleDatabase(tdb.db as Kysely<any>, notes('1.0.0'));
  await provisionModuleDatabase(tdb.db as Kysely<any>, plain);
  await file('notes.json', notes('1.0.0'));
  // Same version, another definition: refused as a conflict.
  await file('notes-changed.json', notes('1.0.0', [{ name: 'summary', type: 'text' }]));
  // Drops a column without declaring it: the upgrade would be refused.
  await file('notes-drop.json', notes('1.1.0', []));
  await file('fresh.json', { ...plain, moduleId: randomUUID(), name: 'Fresh' });
});
afterAll(async () => {
  await Promise.all([bare?.destroy(), tdb?.destroy()]);
  if (dir) await rm(dir, { recursive: true, force: true });
  await removeCliBundle();
});

/** `url` naming another database on the same server. */
function otherDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.href;
}

/** A TCP server on 127.0.0.1 that does `onConnection` with each client, and its port. */
async function fakeServer(onConnection: (socket: Socket) => void): Promise<{
  server: Server;
  port: number;
  sockets: Set<Socket>;
}> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, sockets };
}

async function closeServer(fake: { server: Server; sockets: Set<Socket> }): Promise<void> {
  for (const s of fake.sockets) s.destroy();
  await new Promise<void>((ok) => fake.server.close(() => ok()));
}

describe('dramac-modules database URL and connection', () => {
  it('checks the URL before connecting: not a URL, or not postgres://, is a usage error (exit 2)', async () => {
    const [notUrl, mysql, text] = await Promise.all([
      cli(['status', '--json', '--database-url', 'not a url']),
      cli(['status', '--json'], { DATABASE_URL: 'mysql://root:hunter2@127.0.0.1:3306/app' }),
      cli(['check', '--database-url', 'not a url']),
    ]);
    expect(expectJsonShape(notUrl, 'status', 2)).toMatchObject({
      code: 'DATABASE_URL_INVALID',
      source: '--database-url',
    });
    const error = expectJsonShape(mysql, 'status', 2);
    expect(error.code).toBe('DATABASE_URL_INVALID');
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain('mysql://');
    expect(`${mysql.stdout}${mysql.stderr}`).not.toContain('hunter2');
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('error [DATABASE_URL_INVALID]: --database-url is not a URL');
  });

  it('reports a server that cannot be reached, hangs up or never answers as exit 5', async () => {
    const hangUp = await fakeServer((socket) => socket.destroy());
    const silent = await fakeServer(() => {});
    try {
      const silentRun = await startCli(
        [
          'status',
          '--json',
          '--database-url',
          `postgres://nobody@127.0.0.1:${silent.port}/db?connect_timeout=1`,
        ],
        { cwd: dir },
      );
      // Without a connect timeout the driver waits forever: give it 20 s, then stop it (SIGTERM:
      // tsx passes it on to the node process it started).
      const timer = setTimeout(() => silentRun.child.kill('SIGTERM'), 20_000);
      const [refused, hungUp, silentResult, noDatabase] = await Promise.all([
        cli(['status', '--json', '--database-url', 'postgres://nobody@127.0.0.1:1/none']),
        cli([
          'status',
          '--json',
          '--database-url',
          `postgres://nobody@127.0.0.1:${hangUp.port}/db`,
        ]),
        silentRun.done.finally(() => clearTimeout(timer)),
        cli(['status', '--json', '--database-url', otherDatabase(tdb.url, 'no_such_database')]),
      ]);
      expect(expectJsonShape(refused, 'status', 5)).toMatchObject({
        code: 'DATABASE_UNREACHABLE',
        cause: 'ECONNREFUSED',
        address: '127.0.0.1:1',
      });
      expect(expectJsonShape(hungUp, 'status', 5).code).toBe('DATABASE_UNREACHABLE');
      const timedOut = expectJsonShape(silentResult as CliRun, 'status', 5);
      expect(timedOut.code).toBe('DATABASE_UNREACHABLE');
      expect(timedOut.message).toContain('no answer within 1 s');
      expect(expectJsonShape(noDatabase, 'status', 5)).toMatchObject({
        code: 'DATABASE_CONNECTION_REFUSED',
        sqlstate: '3D000',
      });
    } finally {
      await Promise.all([closeServer(hangUp), closeServer(silent)]);
    }
  }, 60_000);
});

describe('dramac-modules flag values', () => {
  it('reports a bad --site, --retain, --lock-timeout or module argument as a usage error naming it', async () => {
    const runs = await inBatches([
      () => cli(['uninstall-site', notesId, '--site', 'abc', '--yes', '--json']),
      () => cli(['install-site', notesId, '--site', '123', '--json']),
      () => cli(['deprovision', notesId, '--retain', 'whenever', '--yes', '--json']),
      () => cli(['deprovision', notesId, '--retain=-1 day', '--yes', '--json']),
      () => cli(['provision', 'notes.json', '--lock-timeout', 'soon', '--json']),
      () => cli(['status', 'not-a-module', '--json']),
    ]);
    const [badSite, badSite2, badRetain, negativeRetain, badTimeout, badArgument] =
      runs as CliRun[];
    expect(expectJsonShape(badSite as CliRun, 'uninstall-site', 2)).toMatchObject({
      code: 'INVALID_OPTION',
      option: '--site',
      value: 'abc',
    });
    expect(expectJsonShape(badSite2 as CliRun, 'install-site', 2)).toMatchObject({
      code: 'INVALID_OPTION',
      option: '--site',
    });
    const retain = expectJsonShape(badRetain as CliRun, 'deprovision', 2);
    expect(retain).toMatchObject({ code: 'INVALID_OPTION', option: '--retain' });
    expect(retain.message).toContain('whenever');
    expect(expectJsonShape(negativeRetain as CliRun, 'deprovision', 2)).toMatchObject({
      code: 'INVALID_OPTION',
      option: '--retain',
    });
    expect(expectJsonShape(badTimeout as CliRun, 'provision', 2)).toMatchObject({
      code: 'INVALID_OPTION',
      option: '--lock-timeout',
    });
    expect(expectJsonShape(badArgument as CliRun, 'status', 2).code).toBe('INVALID_ARGUMENT');
    // Nothing ran: the module is still active, its access intact.
    const entry = await getModuleRegistryEntry(tdb.db as Kysely<any>, notesId);
    expect(entry?.status).toBe('active');
  }, 60_000);
});

describe('dramac-modules on an unmigrated database', () => {
  it('every command that needs the platform says PLATFORM_NOT_MIGRATED (exit 5), never 42P01', async () => {
    const id = randomUUID();
    const commands: [string, string[]][] = [
      ['status', []],
      ['check', []],
      ['lint', []],
      ['plan', ['notes.json']],
      ['provision', ['notes.json']],
      ['upgrade', ['notes.json']],
      ['install-site', [id, '--site', randomUUID()]],
      ['uninstall-site', [id, '--site', randomUUID(), '--yes']],
      ['deprovision', [id, '--yes']],
      ['drop-due', ['--yes']],
    ];
    const runs = await inBatches(
      commands.map(
        ([command, args]) =>
          () =>
            cli([command, ...args, '--json'], { DATABASE_URL: bare.url }),
      ),
    );
    for (const [i, [command]] of commands.entries()) {
      const run = runs[i] as CliRun;
      const error = expectJsonShape(run, command, 5);
      expect({ command, code: error.code }).toEqual({ command, code: 'PLATFORM_NOT_MIGRATED' });
      expect(error.message).toContain('dramac-modules migrate');
      expect(`${run.stdout}${run.stderr}`).not.toContain('42P01');
    }
    const text = await cli(['check'], { DATABASE_URL: bare.url });
    expect(text.code).toBe(5);
    expect(text.stderr).toContain('error [PLATFORM_NOT_MIGRATED]');
    expect(text.stderr).not.toContain('42P01');
  }, 120_000);
});

describe('dramac-modules JSON documents', () => {
  it('success, partial failure, refusal and unknown commands share one shape', async () => {
    const [status, provision, refused, unknown, noCommand] = await Promise.all([
      cli(['status', '--json']),
      cli(['provision', 'fresh.json', 'notes-changed.json', '--json']),
      cli(['plan', 'notes-drop.json', '--json']),
      cli(['frobnicate', '--json']),
      cli(['--json']),
    ]);
    expectJsonShape(status, 'status', 0);
    expect(status.json.modules.length).toBeGreaterThanOrEqual(2);

    const conflict = expectJsonShape(provision, 'provision', 6);
    expect(conflict.code).toBe('CONFLICT');
    expect(provision.json.modules.map((m: { status: string }) => m.status)).toEqual(['created']);
    expect(provision.json.failed).toEqual({ source: 'notes-changed.json', moduleId: notesId });
    expect(provision.json.notAttempted).toEqual([]);

    const refusal = expectJsonShape(refused, 'plan', 6);
    expect(refusal.code).toBe('UPGRADE_REFUSED');
    expect(refusal.changes.length).toBeGreaterThan(0);
    expect(refused.json.modules[0]).toMatchObject({ action: 'upgrade', moduleId: notesId });

    expect(expectJsonShape(unknown, null, 2).code).toBe('UNKNOWN_COMMAND');
    expect(expectJsonShape(noCommand, null, 2).code).toBe('USAGE');
  }, 60_000);

  it('status: the JSON name is the one the text shows; an unknown id is reported as such', async () => {
    const missing = randomUUID();
    const [json, text, unknownText, unknownJson] = await Promise.all([
      cli(['status', notesId, plainId, '--json']),
      cli(['status', notesId, plainId]),
      cli(['status', missing]),
      cli(['status', missing, '--json']),
    ]);
    expectJsonShape(json, 'status', 0);
    const names = Object.fromEntries(
      json.json.modules.map((m: { moduleId: string; name: string | null }) => [m.moduleId, m.name]),
    );
    expect(names).toEqual({ [notesId]: 'Notes', [plainId]: null });
    expect(text.stdout).toMatch(/^Notes\s+[0-9a-f]{8}\s+system/m);
    expect(text.stdout).toMatch(new RegExp(`^-\\s+${plainId.slice(0, 8)}\\s+app`, 'm'));

    expect(unknownText.code).toBe(7);
    expect(unknownText.stdout).toContain(`not installed: ${missing}`);
    expect(unknownText.stdout).not.toContain('no modules installed');
    expect(expectJsonShape(unknownJson, 'status', 7)).toMatchObject({
      code: 'NOT_INSTALLED',
      moduleIds: [missing],
    });
  }, 60_000);
});

describe('dramac-modules exit codes', () => {
  it('one table: --help prints it, the README has it, every command help points at codes', async () => {
    const { EXIT_CODE_TABLE, renderExitCodeTable } = await import('../src/cli/exit-codes');
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(renderExitCodeTable());
    const readme = await readFile(resolve(here, '../README.md'), 'utf8');
    for (const row of EXIT_CODE_TABLE) {
      expect(readme).toContain(`| ${row.exitCode} | \`${row.name}\` | ${row.meaning} |`);
    }
    for (const command of COMMANDS) {
      let stdout = '';
      const streams = {
        stdout: { write: (c: string) => (stdout += c) },
        stderr: { write: () => true },
      };
      expect(await runCli([command.name, '--help'], streams, {})).toBe(0);
      expect(stdout).toContain('Exit codes:');
      expect(help.stdout).toContain(`  ${command.name} `);
    }
  }, 30_000);
});

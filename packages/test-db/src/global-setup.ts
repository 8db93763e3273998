import type { TestProject } from 'vitest/node';
import { testPostgresBinDir } from './embedded-postgres-server';
import { acquirePostgres, type PostgresSource } from './postgres-source';
import { createTemplateDatabase, dropDatabase, readMajorVersion } from './template-database';
import './provided-context';

interface SharedServer {
  users: number;
  ready: Promise<{ source: PostgresSource; template: string; majorVersion: number }>;
}

// Projects that run on the same binaries share one server (global setups run in vitest's main
// process, each project through its own module runner: the registry lives on globalThis).
const SHARED = Symbol.for('dramac.test-db.servers');
const holder = globalThis as Record<symbol, unknown>;
if (!holder[SHARED]) holder[SHARED] = new Map<string, SharedServer>();
const registry = holder[SHARED] as Map<string, SharedServer>;

/**
 * Vitest global setup: picks one PostgreSQL server, prints which, prepares the template database,
 * provides both to the project's test files, and tears them down at the end.
 *
 * As the root config's global setup it serves every project: `DATABASE_URL`, else a container,
 * else embedded-postgres's PostgreSQL 17. As a project's own global setup (the `(pg15)` projects
 * of the root config), it starts a server on the binaries named by the project's
 * `env.DRAMAC_TEST_POSTGRES_BIN`, shared by every project naming the same folder.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = testPostgresBinDir(project.config.env ?? {});
  const key = binDir ?? '(default)';
  let shared = registry.get(key);
  if (!shared) {
    const started = Date.now();
    const ready = (async () => {
      const source = await acquirePostgres(
        binDir === undefined
          ? process.env
          : { DRAMAC_TEST_POSTGRES_BIN: binDir, DRAMAC_TEST_NO_CONTAINERS: '1' },
      );
      try {
        const template = await createTemplateDatabase(source.url);
        const majorVersion = await readMajorVersion(source.url);
        const host = new URL(source.url).host;
        console.log(
          `[test-db] PostgreSQL ${majorVersion} from ${source.kind} at ${host} (${source.reason}); ready in ${Date.now() - started} ms`,
        );
        return { source, template, majorVersion };
      } catch (error) {
        await source.stop();
        throw error;
      }
    })();
    shared = { users: 0, ready };
    registry.set(key, shared);
  }
  shared.users++;
  const { source, template, majorVersion } = await shared.ready;
  project.provide('dramacPostgres', {
    adminUrl: source.url,
    template,
    kind: source.kind,
    majorVersion,
  });
  const entry = shared;
  return async () => {
    entry.users--;
    if (entry.users > 0) return;
    registry.delete(key);
    await dropDatabase(source.url, template).catch(() => undefined);
    await source.stop();
  };
}

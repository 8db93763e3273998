import type { TestProject } from 'vitest/node';
import { acquirePostgres } from './postgres-source';
import { createTemplateDatabase, dropDatabase } from './template-database';
import './provided-context';

/**
 * Vitest global setup: picks one PostgreSQL server for the whole run, prints which, prepares the
 * template database, and tears both down at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const source = await acquirePostgres();
  let template: string;
  try {
    template = await createTemplateDatabase(source.url);
  } catch (error) {
    await source.stop();
    throw error;
  }
  const host = new URL(source.url).host;
  console.log(
    `[test-db] PostgreSQL from ${source.kind} at ${host} (${source.reason}); ready in ${Date.now() - started} ms`,
  );
  project.provide('dramacPostgres', { adminUrl: source.url, template, kind: source.kind });
  return async () => {
    await dropDatabase(source.url, template).catch(() => undefined);
    await source.stop();
  };
}

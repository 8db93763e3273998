// @dramac/module-db/postgres: the server-only Postgres transport.
export type { PostgresPool } from './access/pg-pipeline';
export type { PostgresTransportOptions } from './access/postgres-transport';
export { createPostgresTransport } from './access/postgres-transport';

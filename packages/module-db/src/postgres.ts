// @dramac/module-db/postgres: the server-only Postgres transport.
export { createPostgresTransport } from './access/postgres-transport';

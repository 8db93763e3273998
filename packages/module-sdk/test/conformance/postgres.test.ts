// The conformance suite on the Postgres transport (Kysely over pg), against the test harness's
// real PostgreSQL.
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { describeConformance } from './describe-conformance';

describeConformance('postgres', ({ db }) => createPostgresTransport(db), {
  transactions: true,
});

// The conformance suite on the Postgres transport (Kysely over pg), against the test harness's
// real PostgreSQL.
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { describeConformance } from './describe-conformance';

describeConformance('postgres', ({ db }) => createPostgresTransport(db), {
  transactions: true,
  // Kysely reads an array on the right of `=` as a value list (`tags = ($1)`), so comparing an
  // array column whole fails with 22P02 in the Postgres transport; reported to its owner.
  knownFailures: ['array eq'],
});

// The seed's "Task 5: Example usage in a module", run against the test harness's real
// PostgreSQL through the Postgres transport. The example's code is unchanged except that
// `createDatabaseSDK` also receives the module's definition and a transport, and the seed's
// placeholder ids ('crm-module-uuid', 'site-uuid', ...) are real UUIDs held in variables.
import { randomUUID } from 'node:crypto';
import { installModuleForSite, migratePlatform, provisionModuleDatabase } from '@dramac/module-db';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect, expectTypeOf, it } from 'vitest';
import { createDatabaseSDK, defineModule, type Row } from '../src/index';

/** The CRM module the example is written for: the columns its code uses. */
const crm = defineModule({
  moduleId: randomUUID(),
  moduleType: 'system',
  version: '1.0.0',
  name: 'CRM (seed example)',
  tables: [
    { name: 'companies', columns: [{ name: 'name', type: 'text' }] },
    {
      name: 'contacts',
      columns: [
        { name: 'first_name', type: 'text' },
        { name: 'last_name', type: 'text' },
        { name: 'email', type: 'text', nullable: true },
        { name: 'company_id', type: 'uuid', nullable: true },
        { name: 'status', type: 'text', default: "'active'" },
        { name: 'lead_status', type: 'text', default: "'new'" },
        { name: 'lead_score', type: 'integer', default: '50' },
        { name: 'created_at', type: 'timestamptz', default: 'now()' },
      ],
      foreignKeys: [
        {
          column: 'company_id',
          references: { table: 'companies', column: 'id' },
          onDelete: 'SET NULL',
        },
      ],
    },
  ],
});

let tdb: TestDatabase;
let db0: Kysely<any>;
let ids: { module: string; site: string; user: string; company: string; schema: string };

beforeAll(async () => {
  tdb = await startTestDatabase();
  db0 = tdb.db as Kysely<any>;
  await migratePlatform(db0);
  const provisioned = await provisionModuleDatabase(db0, crm);
  const agency = await tdb.factory.agency();
  const site = await tdb.factory.site(agency);
  const user = await tdb.factory.user();
  await tdb.factory.member(agency, user);
  await installModuleForSite(db0, crm.moduleId, site);
  // What the site already holds: a company and one of its contacts.
  const setup = createDatabaseSDK({
    definition: crm,
    siteId: site,
    userId: user,
    transport: createPostgresTransport(db0),
  });
  const company = await setup.createOne('companies', { name: 'Example Inc.' });
  await setup.createOne('contacts', {
    first_name: 'Jane',
    last_name: 'Roe',
    email: 'jane@example.com',
    company_id: company.id,
    lead_score: 80,
  });
  ids = { module: crm.moduleId, site, user, company: company.id, schema: provisioned.schemaName };
});
afterAll(() => tdb?.destroy());

it("runs the seed's example usage unchanged, typed, on the Postgres transport", async () => {
  const crmModuleUuid = ids.module;
  const siteUuid = ids.site;
  const currentUserUuid = ids.user;
  const companyUuid = ids.company;

  // ---- The seed's example, verbatim apart from `definition`, `transport` and the ids ----

  // Initialize SDK with context (provided by platform)
  const db = createDatabaseSDK({
    moduleId: crmModuleUuid,
    siteId: siteUuid,
    userId: currentUserUuid,
    definition: crm,
    transport: createPostgresTransport(db0),
  });

  // === CRUD Operations ===

  // Create a contact
  const contact = await db.createOne('contacts', {
    first_name: 'John',
    last_name: 'Doe',
    email: 'john@example.com',
    company_id: companyUuid,
  });

  // Find contacts with filters
  const contacts = await db.find('contacts', {
    where: {
      status: 'active',
      lead_score: { gte: 50 }, // >= 50
    },
    orderBy: { column: 'created_at', ascending: false },
    limit: 10,
  });

  // Update a contact
  await db.updateById('contacts', contact.id, {
    lead_status: 'qualified',
  });

  // Delete a contact
  await db.deleteById('contacts', contact.id);

  // === Complex Queries ===

  // Find all contacts for a company
  const companyContacts = await db.find('contacts', {
    where: { company_id: companyUuid },
    select: ['id', 'first_name', 'last_name', 'email'],
  });

  // Search contacts
  const searchResults = await db.find('contacts', {
    where: {
      email: { ilike: '%@example.com' },
    },
  });

  // Count active contacts
  const activeCount = await db.count('contacts', { status: 'active' });

  // ---- End of the seed's example ----

  expectTypeOf(contact).toEqualTypeOf<Row<typeof crm, 'contacts'>>();
  expectTypeOf(companyContacts).toEqualTypeOf<
    { id: string; first_name: string; last_name: string; email: string | null }[]
  >();
  expect(contact).toMatchObject({
    site_id: siteUuid,
    first_name: 'John',
    status: 'active',
    lead_status: 'new',
    lead_score: 50,
  });
  // Newest first: John, then Jane (both active with a lead score of at least 50).
  expect(contacts.map((c) => c.first_name)).toEqual(['John', 'Jane']);
  // John was deleted; Jane remains.
  expect(companyContacts).toEqual([
    {
      id: expect.any(String),
      first_name: 'Jane',
      last_name: 'Roe',
      email: 'jane@example.com',
    },
  ]);
  expect(searchResults.map((c) => c.email)).toEqual(['jane@example.com']);
  expect(activeCount).toBe(1);
  // The delete removed the row itself (checked behind the API, as the superuser).
  const left = await sql<{ n: string }>`select count(*) as n from ${sql.table(
    `${ids.schema}.contacts`,
  )} where id = ${contact.id}`.execute(db0);
  expect(Number(left.rows[0]?.n)).toBe(0);
});

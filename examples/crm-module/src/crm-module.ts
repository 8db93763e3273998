import { defineModule } from '@dramac/module-sdk';

/**
 * The CRM module's id. A module's id never changes across versions: it names the module's
 * schema (`mod_c0ffee42`), its role and its registry row.
 */
// Typed `string`, not the literal: a copy installed under another id (as tests do) keeps the
// same SDK type.
export const CRM_MODULE_ID: string = 'c0ffee42-7e1d-4c2b-9a35-6d8f0b1e2a47';

/** Stages a deal moves through; `won` and `lost` are final (a restrictive policy). */
export const DEAL_STAGES = ['new', 'qualified', 'proposal', 'won', 'lost'] as const;

/** Statuses of a contact. */
export const CONTACT_STATUSES = ['lead', 'qualified', 'customer', 'churned'] as const;

/** The `companies` table (1.0.0): the companies that contacts and deals belong to. */
const companiesTable = {
  name: 'companies',
  columns: [
    { name: 'name', type: 'text' },
    { name: 'domain', type: 'text', nullable: true, unique: true },
    { name: 'industry', type: 'text', nullable: true },
    { name: 'employee_count', type: 'integer', nullable: true, check: 'employee_count >= 0' },
    { name: 'created_at', type: 'timestamptz', default: 'now()' },
  ],
} as const;

/** The `contacts` table (1.0.0): people, from lead to customer. */
const contactsTable = {
  name: 'contacts',
  columns: [
    { name: 'first_name', type: 'text' },
    { name: 'last_name', type: 'text' },
    { name: 'email', type: 'text', nullable: true, unique: true },
    { name: 'phone', type: 'text', nullable: true },
    { name: 'company_id', type: 'uuid', nullable: true },
    {
      name: 'status',
      type: 'text',
      default: "'lead'",
      check: "status in ('lead', 'qualified', 'customer', 'churned')",
    },
    {
      name: 'lead_score',
      type: 'integer',
      default: '0',
      check: 'lead_score between 0 and 100',
    },
    { name: 'tags', type: 'text[]', default: "'{}'" },
    { name: 'created_at', type: 'timestamptz', default: 'now()' },
  ],
  indexes: [{ columns: ['last_name', 'first_name'] }, { columns: ['status', 'lead_score'] }],
  foreignKeys: [
    {
      column: 'company_id',
      references: { table: 'companies', column: 'id' },
      onDelete: 'SET NULL',
    },
  ],
} as const;

/** The `deals` table (1.0.0): sales opportunities; closed deals are final. */
const dealsTable = {
  name: 'deals',
  columns: [
    { name: 'title', type: 'text' },
    { name: 'amount', type: 'numeric(12,2)', default: '0', check: 'amount >= 0' },
    {
      name: 'stage',
      type: 'text',
      default: "'new'",
      check: "stage in ('new', 'qualified', 'proposal', 'won', 'lost')",
    },
    { name: 'contact_id', type: 'uuid', nullable: true },
    { name: 'company_id', type: 'uuid', nullable: true },
    { name: 'expected_close', type: 'date', nullable: true },
    { name: 'created_at', type: 'timestamptz', default: 'now()' },
  ],
  indexes: [{ columns: ['stage'] }],
  foreignKeys: [
    {
      column: 'contact_id',
      references: { table: 'contacts', column: 'id' },
      onDelete: 'SET NULL',
    },
    {
      column: 'company_id',
      references: { table: 'companies', column: 'id' },
      onDelete: 'SET NULL',
    },
  ],
  rlsPolicies: [
    // Restrictive (every module policy is): a closed deal is final. Updates skip won and lost
    // deals silently, as a USING filter does, whatever the site policy allows. `withCheck: 'true'`
    // because PostgreSQL otherwise checks the new row with USING too, refusing to close a deal.
    {
      name: 'closed_deals_are_final',
      action: 'UPDATE',
      using: "stage not in ('won', 'lost')",
      withCheck: 'true',
    },
  ],
} as const;

/** The `activities` table (1.0.0): calls, emails, meetings and notes logged against a contact. */
const activitiesTable = {
  name: 'activities',
  columns: [
    { name: 'contact_id', type: 'uuid' },
    { name: 'deal_id', type: 'uuid', nullable: true },
    { name: 'kind', type: 'text', check: "kind in ('call', 'email', 'meeting', 'note')" },
    { name: 'notes', type: 'text', nullable: true },
    { name: 'completed', type: 'boolean', default: 'false' },
    { name: 'occurred_at', type: 'timestamptz', default: 'now()' },
  ],
  indexes: [
    {
      name: 'open_activities_idx',
      columns: ['contact_id', 'occurred_at'],
      where: 'not completed',
    },
  ],
  foreignKeys: [
    {
      column: 'contact_id',
      references: { table: 'contacts', column: 'id' },
      onDelete: 'CASCADE',
    },
    { column: 'deal_id', references: { table: 'deals', column: 'id' }, onDelete: 'SET NULL' },
  ],
} as const;

/**
 * Version 1.0.0 of the example CRM, a `system` module (its own schema): companies, contacts,
 * deals and activities, declared as data and typed by `defineModule`.
 *
 * @example
 * ```ts
 * import { crmModule } from '@dramac/example-crm-module';
 * await provisionModuleDatabase(db, crmModule); // platform side, @dramac/module-db
 * ```
 */
export const crmModule = defineModule({
  moduleId: CRM_MODULE_ID,
  moduleType: 'system',
  version: '1.0.0',
  name: 'CRM',
  tables: [companiesTable, contactsTable, dealsTable, activitiesTable],
});

/**
 * Version 1.1.0: additive only, so the platform applies it without a migration step. Contacts
 * gain a nullable `linkedin_url` and a `source` with a default; a new `notes` table holds free
 * text about a contact.
 *
 * @example
 * ```ts
 * await provisionModuleDatabase(db, crmModuleV2); // upgrades an installed 1.0.0 in place
 * ```
 */
export const crmModuleV2 = defineModule({
  moduleId: CRM_MODULE_ID,
  moduleType: 'system',
  version: '1.1.0',
  name: 'CRM',
  tables: [
    companiesTable,
    {
      ...contactsTable,
      columns: [
        ...contactsTable.columns,
        { name: 'linkedin_url', type: 'text', nullable: true },
        {
          name: 'source',
          type: 'text',
          default: "'manual'",
          check: "source in ('manual', 'import', 'web_form')",
        },
      ],
    },
    dealsTable,
    activitiesTable,
    {
      name: 'notes',
      columns: [
        { name: 'contact_id', type: 'uuid' },
        { name: 'body', type: 'text' },
        { name: 'created_at', type: 'timestamptz', default: 'now()' },
      ],
      foreignKeys: [
        {
          column: 'contact_id',
          references: { table: 'contacts', column: 'id' },
          onDelete: 'CASCADE',
        },
      ],
    },
  ],
});

/** The 1.0.0 definition's type: `Row<CrmModule, 'contacts'>` types a contact. */
export type CrmModule = typeof crmModule;
/** The 1.1.0 definition's type. */
export type CrmModuleV2 = typeof crmModuleV2;

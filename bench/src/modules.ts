/** The module definitions the benchmarks provision. */
import { defineModule } from '@dramac/module-sdk';

/**
 * A module id unique to (`prefix`, `n`): its short id (first 8 hex digits) holds `prefix` and `n`
 * in hex, with the two lowest digits of `n` in front. Consecutive modules then spread over the 256
 * role managers (one per first two hex digits of the short id) as random UUIDs would, instead of
 * piling into the one manager `prefix` would choose (a module's roles are administered by the
 * manager of its bucket: see docs/operations.md).
 */
export function benchModuleId(prefix: string, n: number): string {
  const digits = n.toString(16).padStart(8 - prefix.length, '0');
  if (prefix.length + digits.length !== 8 || digits.length < 2) {
    throw new Error(`module number ${n} does not fit after ${prefix}`);
  }
  const head = `${digits.slice(-2)}${prefix}${digits.slice(0, -2)}`;
  return `${head}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A CRM-like `system` module of four tables (contacts, companies, deals, activities). */
export function crmLike(moduleId: string, version = '1.0.0') {
  return defineModule({
    moduleId,
    moduleType: 'system',
    version,
    name: 'Bench CRM',
    tables: [
      {
        name: 'companies',
        columns: [
          { name: 'name', type: 'text' },
          { name: 'domain', type: 'text', nullable: true, unique: true },
          { name: 'employee_count', type: 'integer', nullable: true, check: 'employee_count >= 0' },
          { name: 'created_at', type: 'timestamptz', default: 'now()' },
        ],
      },
      {
        name: 'contacts',
        columns: [
          { name: 'first_name', type: 'text' },
          { name: 'last_name', type: 'text' },
          { name: 'email', type: 'text', nullable: true, unique: true },
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
          { name: 'custom_fields', type: 'jsonb', default: "'{}'::jsonb" },
          { name: 'created_at', type: 'timestamptz', default: 'now()' },
          { name: 'updated_at', type: 'timestamptz', default: 'now()' },
        ],
        indexes: [{ columns: ['last_name', 'first_name'] }, { columns: ['status', 'created_at'] }],
        foreignKeys: [
          {
            column: 'company_id',
            references: { table: 'companies', column: 'id' },
            onDelete: 'SET NULL',
          },
        ],
      },
      {
        name: 'deals',
        columns: [
          { name: 'title', type: 'text' },
          { name: 'amount', type: 'numeric(12,2)', default: '0', check: 'amount >= 0' },
          { name: 'stage', type: 'text', default: "'new'" },
          { name: 'contact_id', type: 'uuid', nullable: true },
          { name: 'created_at', type: 'timestamptz', default: 'now()' },
        ],
        indexes: [{ columns: ['stage'] }],
        foreignKeys: [
          {
            column: 'contact_id',
            references: { table: 'contacts', column: 'id' },
            onDelete: 'SET NULL',
          },
        ],
      },
      {
        name: 'activities',
        columns: [
          { name: 'contact_id', type: 'uuid' },
          { name: 'kind', type: 'text', check: "kind in ('call', 'email', 'meeting', 'note')" },
          { name: 'payload', type: 'jsonb', default: "'{}'::jsonb" },
          { name: 'occurred_at', type: 'timestamptz', default: 'now()' },
        ],
        indexes: [{ columns: ['contact_id', 'occurred_at'] }],
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
}

const itemsColumns = [
  { name: 'title', type: 'text' },
  { name: 'score', type: 'integer', default: '0' },
  { name: 'created_at', type: 'timestamptz', default: 'now()' },
] as const;

/**
 * The large module of the RLS, count and upgrade cases: `items` (spread evenly over many sites)
 * and `events` (skewed: a few sites hold 1k, 100k and 1M rows).
 */
export function bigModule(moduleId: string) {
  return defineModule({
    moduleId,
    moduleType: 'system',
    version: '1.0.0',
    name: 'Bench big tables',
    tables: [
      { name: 'items', columns: [...itemsColumns], indexes: [{ columns: ['created_at'] }] },
      {
        name: 'events',
        columns: [
          { name: 'kind', type: 'text' },
          { name: 'amount', type: 'integer', default: '0' },
          { name: 'created_at', type: 'timestamptz', default: 'now()' },
        ],
      },
    ],
  });
}

/** The additive upgrade of {@link bigModule}: two new columns on `items`, no index (metadata only). */
export function bigModuleColumns(moduleId: string) {
  const base = bigModule(moduleId);
  return defineModule({
    ...base,
    version: '1.1.0',
    tables: [
      {
        name: 'items',
        columns: [
          ...itemsColumns,
          { name: 'note', type: 'text', nullable: true },
          { name: 'priority', type: 'integer', default: '0' },
        ],
        indexes: [{ columns: ['created_at'] }],
      },
      base.tables[1],
    ],
  } as any);
}

/** The next additive upgrade: a new index on `items (site_id, score)`, built over every row. */
export function bigModuleIndex(moduleId: string) {
  const prev = bigModuleColumns(moduleId);
  return defineModule({
    ...prev,
    version: '1.2.0',
    tables: [
      { ...prev.tables[0], indexes: [{ columns: ['created_at'] }, { columns: ['score'] }] },
      prev.tables[1],
    ],
  } as any);
}

/**
 * The seed's other example modules (EM-11), copied from module-db's test fixtures: Booking (an
 * `app` module, prefixed tables), Shop (an `integration` module, prefixed tables) and a widget
 * (rows in the shared `module_data`, no DDL). The CRM comes from `@dramac/example-crm-module`.
 */
import { defineModule } from '@dramac/module-sdk';

/** Booking: `public.mod_b00c1e55_*` (calendars, resources, appointments, availability). */
export const bookingModule = defineModule({
  moduleId: 'b00c1e55-7a2d-4f19-8c3e-5d6a7b8c9d20',
  moduleType: 'app',
  version: '2.1.0',
  name: 'Booking',
  tables: [
    {
      name: 'calendars',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'timezone', type: 'text', default: "'UTC'", check: "timezone <> ''" },
        { name: 'created_at', type: 'timestamptz', default: 'now()' },
      ],
    },
    {
      name: 'resources',
      columns: [
        { name: 'calendar_id', type: 'uuid' },
        { name: 'name', type: 'text' },
        { name: 'kind', type: 'text', check: "kind in ('room', 'equipment', 'staff')" },
        { name: 'capacity', type: 'integer', default: '1', check: 'capacity > 0' },
      ],
      foreignKeys: [
        {
          column: 'calendar_id',
          references: { table: 'calendars', column: 'id' },
          onDelete: 'CASCADE',
        },
      ],
    },
    {
      name: 'appointments',
      columns: [
        { name: 'calendar_id', type: 'uuid' },
        { name: 'resource_id', type: 'uuid', nullable: true },
        { name: 'staff_user_id', type: 'uuid', nullable: true },
        { name: 'customer_name', type: 'text' },
        { name: 'customer_email', type: 'varchar(320)', nullable: true },
        { name: 'starts_at', type: 'timestamptz' },
        { name: 'ends_at', type: 'timestamptz', check: 'ends_at > starts_at' },
        {
          name: 'status',
          type: 'text',
          default: "'booked'",
          check: "status in ('booked', 'confirmed', 'cancelled', 'completed')",
        },
        { name: 'notes', type: 'text', nullable: true },
        { name: 'created_at', type: 'timestamptz', default: 'now()' },
        { name: 'updated_at', type: 'timestamptz', default: 'now()' },
      ],
      indexes: [
        { columns: ['calendar_id', 'starts_at'] },
        { columns: ['staff_user_id', 'starts_at'], where: "status <> 'cancelled'" },
      ],
      foreignKeys: [
        {
          column: 'calendar_id',
          references: { table: 'calendars', column: 'id' },
          onDelete: 'CASCADE',
        },
        {
          column: 'resource_id',
          references: { table: 'resources', column: 'id' },
          onDelete: 'SET NULL',
        },
        {
          column: 'staff_user_id',
          references: { schema: 'auth', table: 'users', column: 'id' },
          onDelete: 'SET NULL',
        },
      ],
      rlsPolicies: [
        { name: 'no_writes_to_past_slots', action: 'INSERT', withCheck: 'ends_at > now()' },
      ],
    },
    {
      name: 'availability',
      columns: [
        { name: 'calendar_id', type: 'uuid' },
        { name: 'weekday', type: 'smallint', check: 'weekday between 0 and 6' },
        { name: 'start_time', type: 'time' },
        { name: 'end_time', type: 'time', check: 'end_time > start_time' },
      ],
      indexes: [{ columns: ['calendar_id', 'weekday'] }],
      foreignKeys: [
        {
          column: 'calendar_id',
          references: { table: 'calendars', column: 'id' },
          onDelete: 'CASCADE',
        },
      ],
    },
  ],
});

/**
 * Booking 2.2.0: an upgrade with declared migration steps. A new nullable column is additive;
 * renaming `appointments.notes`, dropping `appointments.customer_email` and widening
 * `availability.weekday` are destructive or rewriting, so each is declared.
 */
export const bookingModuleV2 = defineModule({
  ...bookingModule,
  version: '2.2.0',
  tables: bookingModule.tables.map((t) => {
    if (t.name === 'calendars') {
      return { ...t, columns: [...t.columns, { name: 'color', type: 'text', nullable: true }] };
    }
    if (t.name === 'appointments') {
      return {
        ...t,
        columns: t.columns
          .filter((c) => c.name !== 'customer_email')
          .map((c) => (c.name === 'notes' ? { ...c, name: 'staff_notes' } : c)),
      };
    }
    if (t.name === 'availability') {
      return {
        ...t,
        columns: t.columns.map((c) => (c.name === 'weekday' ? { ...c, type: 'integer' } : c)),
      };
    }
    return t;
  }) as unknown as typeof bookingModule.tables,
  migrations: [
    { kind: 'renameColumn', table: 'appointments', from: 'notes', to: 'staff_notes' },
    { kind: 'dropColumn', table: 'appointments', column: 'customer_email' },
    { kind: 'alterType', table: 'availability', column: 'weekday' },
  ],
} as never) as unknown as typeof bookingModule;

/** Shop: `public.mod_5e0b7a11_*` (customers, products, orders, cart_items). */
export const shopModule = defineModule({
  moduleId: '5e0b7a11-2c4d-4e6f-8a1b-3c5d7e9f1a30',
  moduleType: 'integration',
  version: '0.3.12',
  name: 'Shop',
  tables: [
    {
      name: 'customers',
      columns: [
        { name: 'email', type: 'citext', unique: true },
        { name: 'full_name', type: 'text' },
        { name: 'phone', type: 'text', nullable: true },
        { name: 'created_at', type: 'timestamptz', default: 'now()' },
      ],
    },
    {
      name: 'products',
      columns: [
        { name: 'sku', type: 'text', unique: true },
        { name: 'name', type: 'text' },
        { name: 'description', type: 'text', nullable: true },
        { name: 'price', type: 'numeric(10,2)', check: 'price >= 0' },
        {
          name: 'currency',
          type: 'text',
          default: "'USD'",
          check: "currency in ('USD', 'EUR', 'GBP')",
        },
        { name: 'stock', type: 'integer', default: '0', check: 'stock >= 0' },
        { name: 'active', type: 'boolean', default: 'true' },
        { name: 'attributes', type: 'jsonb', default: "'{}'::jsonb" },
        { name: 'updated_at', type: 'timestamptz', default: 'now()' },
      ],
      indexes: [{ columns: ['active', 'name'] }],
    },
    {
      name: 'orders',
      columns: [
        { name: 'customer_id', type: 'uuid', nullable: true },
        {
          name: 'status',
          type: 'text',
          default: "'pending'",
          check: "status in ('pending', 'paid', 'shipped', 'cancelled', 'refunded')",
        },
        { name: 'total', type: 'numeric(12,2)', default: '0', check: 'total >= 0' },
        { name: 'placed_at', type: 'timestamptz', default: 'now()' },
        { name: 'updated_at', type: 'timestamptz', default: 'now()' },
      ],
      foreignKeys: [
        {
          column: 'customer_id',
          references: { table: 'customers', column: 'id' },
          onDelete: 'SET NULL',
        },
      ],
    },
    {
      name: 'cart_items',
      columns: [
        { name: 'customer_id', type: 'uuid' },
        { name: 'product_id', type: 'uuid' },
        { name: 'quantity', type: 'integer', default: '1', check: 'quantity > 0' },
        { name: 'added_at', type: 'timestamptz', default: 'now()' },
      ],
      indexes: [{ columns: ['customer_id', 'product_id'], unique: true }],
      foreignKeys: [
        {
          column: 'customer_id',
          references: { table: 'customers', column: 'id' },
          onDelete: 'CASCADE',
        },
        {
          column: 'product_id',
          references: { table: 'products', column: 'id' },
          onDelete: 'CASCADE',
        },
      ],
    },
  ],
});

/**
 * Shop 0.4.0 drops `customers.phone` without declaring it: the upgrade planner refuses the
 * change (the data would go), so this version cannot be applied as it stands.
 */
export const shopModuleV2 = defineModule({
  ...shopModule,
  version: '0.4.0',
  tables: shopModule.tables.map((t) =>
    t.name === 'customers' ? { ...t, columns: t.columns.filter((c) => c.name !== 'phone') } : t,
  ) as unknown as typeof shopModule.tables,
} as never) as unknown as typeof shopModule;

/** A testimonials widget: the `shared` strategy, rows in `public.module_data`, no DDL. */
export const widgetModule = defineModule({
  moduleId: 'a1d9e7f3-6b8c-4d0e-9f2a-4b6c8d0e2f40',
  moduleType: 'widget',
  version: '1.0.0',
  name: 'Testimonials widget',
  tables: [],
});

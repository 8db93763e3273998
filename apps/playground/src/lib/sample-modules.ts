/**
 * The seed's other example modules (EM-11), copied from module-db's test fixtures: Booking (an
 * `app` module, prefixed tables), Shop (an `integration` module, prefixed tables) and a widget
 * (rows in the shared `module_data`, no DDL). The CRM comes from `@dramac/example-crm-module`.
 */
import { defineModule } from '@dramac/module-sdk';

/**
 * Booking: `public.mod_b00c1e55_*` (calendars, resources, appointments, availability, and the
 * requests a site's visitors send from the public booking form).
 */
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
    {
      // The public booking form: a site's visitors insert requests, members handle them.
      // Visitors set the four declared columns (the rest take their defaults) and read nothing
      // back, not even the request they sent.
      name: 'requests',
      columns: [
        { name: 'customer_name', type: 'text', check: "customer_name <> ''" },
        { name: 'customer_email', type: 'varchar(320)' },
        { name: 'preferred_date', type: 'date' },
        { name: 'message', type: 'text', nullable: true },
        {
          name: 'status',
          type: 'text',
          default: "'new'",
          check: "status in ('new', 'confirmed', 'declined')",
        },
        { name: 'created_at', type: 'timestamptz', default: 'now()' },
      ],
      visitors: { insert: ['customer_name', 'customer_email', 'preferred_date', 'message'] },
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

/**
 * Shop: `public.mod_5e0b7a11_*` (customers, products, orders, cart_items). Visitors of a public
 * site read the published products' storefront columns.
 */
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
        // What the shop paid: for members only, never listed for visitors.
        { name: 'cost', type: 'numeric(10,2)', nullable: true, check: 'cost >= 0' },
        {
          name: 'status',
          type: 'text',
          default: "'draft'",
          check: "status in ('draft', 'published')",
        },
      ],
      indexes: [{ columns: ['active', 'name'] }],
      // Visitors read the storefront's columns, never cost, stock or status.
      visitors: { read: ['id', 'sku', 'name', 'description', 'price', 'currency'] },
      rlsPolicies: [
        {
          // Restrictive, like every module policy: a request without a signed-in user (a
          // visitor) sees published products only; members see drafts too.
          name: 'visitors_see_published',
          action: 'SELECT',
          using: "status = 'published' or auth.uid() is not null",
        },
      ],
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

/**
 * A testimonials widget: the `shared` strategy, items in `public.module_data`, no DDL. The
 * database checks every item against its collection's fields. Visitors read the published
 * testimonials' author, quote and rating (never the email), and leave new ones in `submissions`,
 * which they cannot read back; members read and moderate both.
 */
export const widgetModule = defineModule({
  moduleId: 'a1d9e7f3-6b8c-4d0e-9f2a-4b6c8d0e2f40',
  moduleType: 'widget',
  version: '1.0.0',
  name: 'Testimonials widget',
  tables: [],
  collections: {
    testimonials: {
      fields: {
        author: { type: 'string', minLength: 1, maxLength: 80 },
        quote: { type: 'string', minLength: 1, maxLength: 500 },
        rating: { type: 'integer', minimum: 1, maximum: 5 },
        email: { type: 'string', optional: true, nullable: true, maxLength: 320 },
      },
      visitors: { read: ['author', 'quote', 'rating'] },
    },
    submissions: {
      fields: {
        author: { type: 'string', minLength: 1, maxLength: 80 },
        quote: { type: 'string', minLength: 1, maxLength: 500 },
        rating: { type: 'integer', minimum: 1, maximum: 5 },
        email: { type: 'string', optional: true, nullable: true, maxLength: 320 },
      },
      visitors: { insert: ['author', 'quote', 'rating', 'email'] },
    },
  },
});

/**
 * A second widget, so the matrix can show that one widget's role and visitors reach none of
 * another widget's items in the same `public.module_data`.
 */
export const faqWidgetModule = defineModule({
  moduleId: 'fa0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e50',
  moduleType: 'widget',
  version: '1.0.0',
  name: 'FAQ widget',
  tables: [],
  collections: {
    questions: {
      fields: {
        question: { type: 'string', minLength: 1, maxLength: 200 },
        answer: { type: 'string', minLength: 1, maxLength: 2000 },
      },
      visitors: { read: 'all' },
    },
  },
});

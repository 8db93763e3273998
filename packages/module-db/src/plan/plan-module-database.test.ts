import { beforeAll, describe, expect, it } from 'vitest';
import {
  bookingModule,
  crmModule,
  shopModule,
  widgetModule,
} from '../../test/fixtures/sample-modules';
import { defineModule } from '../definition/define-module';
import { validateModuleDefinition } from '../definition/validate-module-definition';
import { isDefinitionValidationError } from '../errors';
import { loadSqlParser } from '../sql/sql-parser';
import { planModuleDatabase } from './plan-module-database';
import { renderPlan } from './render-plan';

beforeAll(() => loadSqlParser());

const notes = defineModule({
  moduleId: '0123abcd-0000-4000-8000-000000000001',
  moduleType: 'app',
  version: '1.0.0',
  tables: [
    {
      name: 'notes',
      columns: [
        { name: 'body', type: 'text', check: 'length(body) <= 280' },
        { name: 'pinned', type: 'boolean', default: 'false' },
      ],
      rlsPolicies: [{ name: 'only_pinned', action: 'SELECT', using: 'pinned' }],
    },
  ],
});

describe('planModuleDatabase', () => {
  it('compiles a prefix-strategy table to exact SQL, without bind parameters', async () => {
    const plan = planModuleDatabase(await validateModuleDefinition(notes));
    expect(plan).toMatchObject({
      shortId: '0123abcd',
      strategy: 'prefix',
      schema: 'public',
      role: 'modrole_0123abcd',
      adminRole: 'modadmin_0123abcd',
      tables: ['public.mod_0123abcd_notes'],
    });
    // The roles, the schema and their memberships are platform steps, not statements.
    const site = `("site_id" = (select "public"."dramac_current_site_id"()) and (select "public"."dramac_can_access_current_site"('0123abcd')))`;
    expect(plan.statements.map(({ sql, parameters }) => ({ sql, parameters }))).toEqual(
      [
        'create table "public"."mod_0123abcd_notes" ("id" uuid default gen_random_uuid() not null, "site_id" uuid not null, "body" text not null, "pinned" boolean default false not null, constraint "pk_mod_0123abcd_notes" primary key ("site_id", "id"), constraint "ck_mod_0123abcd_notes_body" check ((length("body") <= 280)), constraint "fk_mod_0123abcd_notes_site_id" foreign key ("site_id") references "public"."sites" ("id") on delete cascade on update no action)',
        'grant select, insert, update, delete on table "public"."mod_0123abcd_notes" to "modrole_0123abcd"',
        'grant select, insert, update, delete on table "public"."mod_0123abcd_notes" to "modadmin_0123abcd"',
        'alter table "public"."mod_0123abcd_notes" enable row level security',
        'alter table "public"."mod_0123abcd_notes" force row level security',
        `create policy "dramac_site_isolation" on "public"."mod_0123abcd_notes" as permissive for all to "modrole_0123abcd" using (${site}) with check (${site})`,
        'create policy "dramac_owner_access" on "public"."mod_0123abcd_notes" as permissive for all to "modowner_0123abcd" using (true) with check (true)',
        'create policy "dramac_admin_access" on "public"."mod_0123abcd_notes" as permissive for all to "modadmin_0123abcd" using (true) with check (true)',
        'create policy "only_pinned" on "public"."mod_0123abcd_notes" as restrictive for select to "modrole_0123abcd" using ("pinned")',
      ].map((sql) => ({ sql, parameters: [] })),
    );
    expect(plan.desired.tables.map((t) => t.name)).toEqual(['mod_0123abcd_notes']);
  });

  it('is pure and immutable: same input, same plan; the plan is frozen', async () => {
    const definition = await validateModuleDefinition(crmModule);
    const a = planModuleDatabase(definition);
    const b = planModuleDatabase(definition);
    expect(a).toEqual(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.statements)).toBe(true);
    expect(Object.isFrozen(a.statements[0])).toBe(true);
  });

  it('plans no statement for a widget: its rows live in module_data', async () => {
    const plan = planModuleDatabase(await validateModuleDefinition(widgetModule));
    expect(plan.tables).toEqual([]);
    expect(plan.statements).toEqual([]);
    expect(plan.desired.tables).toEqual([]);
    expect(plan).toMatchObject({ adminRole: null, ownerRole: null, strategy: 'shared' });
  });

  it.each(['dramac_site_isolation', 'dramac_owner_access', 'dramac_admin_access', 'dramac_x'])(
    'refuses a module policy named like a platform policy (%s)',
    async (name) => {
      const clash = {
        ...notes,
        tables: [
          {
            ...notes.tables[0],
            rlsPolicies: [{ name, action: 'SELECT', using: 'pinned' }],
          },
        ],
      };
      const error = await Promise.resolve()
        .then(async () => planModuleDatabase(await validateModuleDefinition(clash)))
        .catch((e: unknown) => e);
      expect(isDefinitionValidationError(error)).toBe(true);
      expect((error as { issues: { code: string; path: string }[] }).issues[0]).toMatchObject({
        code: 'reserved_policy_name',
        path: 'tables[0].rlsPolicies[0].name',
      });
    },
  );

  // Exact SQL of the seed's three example modules, reviewed as files: a change to the planner
  // shows up as a diff of these scripts.
  it.each([
    ['crm', crmModule],
    ['booking', bookingModule],
    ['shop', shopModule],
  ])('renders the %s module to the reviewed SQL script', async (name, module) => {
    const plan = planModuleDatabase(await validateModuleDefinition(module));
    await expect(renderPlan(plan)).toMatchFileSnapshot(`./__snapshots__/${name}.plan.sql`);
  });
});

// The pure parts behind the screens, on the real planners' output: plan summaries (groups,
// classes, locks, unchanged rebuilds), the side-by-side upgrade diff, the compound filter and
// the timeline's sentences. No database.
import { crmModule } from '@dramac/example-crm-module';
import { planModuleDatabase, planModuleUpgrade, validateModuleDefinition } from '@dramac/module-db';
import { describe, expect, it } from 'vitest';
import { describeFilter, escapeLike, whereOf } from '../src/lib/compound-filter';
import { diffModels } from '../src/lib/definition-diff';
import { diagramOf } from '../src/lib/diagram-from-definition';
import { describeEvent } from '../src/lib/event-text';
import { summarizePlan } from '../src/lib/plan-summary';
import { bookingModule, bookingModuleV2, widgetModule } from '../src/lib/sample-modules';

describe('plan summary', () => {
  it('groups a fresh install by kind of object, all additive, on tables it creates itself', async () => {
    const plan = planModuleDatabase(await validateModuleDefinition(crmModule));
    const s = summarizePlan(plan.statements);
    const group = (title: string) => s.groups.find((g) => `${g.action} ${g.category}` === title);
    const ofKind = (kind: string) => plan.statements.filter((p) => p.kind === kind).length;
    expect(s.statements).toBe(plan.statements.length);
    expect(group('create tables')?.count).toBe(4);
    expect(group('create policies')?.count).toBe(ofKind('create_policy'));
    expect(group('create policies')?.count).toBeGreaterThanOrEqual(5);
    expect(group('create grants')?.count).toBe(ofKind('grant'));
    // Every statement lands in exactly one group.
    expect(s.groups.reduce((n, g) => n + g.count, 0)).toBe(plan.statements.length);
    expect(s.counts).toEqual({ additive: plan.statements.length, declared: 0, destructive: 0 });
    // Nothing of a fresh install waits on a live table.
    expect(group('create indexes')?.lock.mode).toBe('new table');
    expect(s.strongestLock.mode).toBe('new table');
    expect(s.rebuilt).toEqual([]);
    // Every statement is there, in order, with its SQL.
    expect(s.items.map((i) => i.sql)).toEqual(plan.statements.map((p) => p.sql));
  });

  it('labels declared upgrade steps declared, with the lock each takes on a live table', async () => {
    const installed = await validateModuleDefinition(bookingModule);
    const next = await validateModuleDefinition(bookingModuleV2);
    const plan = planModuleUpgrade(installed, next);
    const s = summarizePlan(plan.statements, { changes: plan.changes });
    const byKind = (kind: string) => s.items.filter((i) => i.kind === kind);
    expect(byKind('rename').map((i) => i.class)).toEqual(['declared']);
    expect(byKind('drop_column').map((i) => i.class)).toEqual(['declared']);
    expect(byKind('alter_column').map((i) => i.class)).toEqual(['declared']);
    expect(byKind('add_column').map((i) => i.class)).toEqual(['additive']);
    expect(byKind('drop_column')[0]?.lock.mode).toBe('ACCESS EXCLUSIVE');
    expect(s.strongestLock.mode).toBe('ACCESS EXCLUSIVE');
    expect(
      s.groups.find((g) => g.action === 'remove' && g.category === 'columns')?.classes,
    ).toEqual(['declared']);
  });

  it('flags an object dropped and created again unchanged, and only that one', () => {
    const previous = [
      {
        kind: 'create_index',
        target: 's.t',
        description: 'index a',
        sql: 'create index "a" on "s"."t" ("site_id", "x")',
      },
      {
        kind: 'create_index',
        target: 's.t',
        description: 'index b',
        sql: 'create index "b" on "s"."t" ("site_id", "y")',
      },
    ];
    const statements = [
      { kind: 'drop_index', target: 's.t', description: 'drop index a', sql: 'drop index "s"."a"' },
      { kind: 'drop_index', target: 's.t', description: 'drop index b', sql: 'drop index "s"."b"' },
      previous[0] as (typeof previous)[number],
      {
        kind: 'create_index',
        target: 's.t',
        description: 'index b',
        sql: 'create index "b" on "s"."t" ("site_id", "y", "z")',
      },
    ];
    const s = summarizePlan(statements, { changes: [], previous });
    expect(s.rebuilt).toEqual(['a on s.t']);
    expect(s.items.filter((i) => i.rebuiltUnchanged).map((i) => i.index)).toEqual([1, 3]);
    // Without a matching change, a drop is destructive and a create additive.
    expect(s.items.map((i) => i.class)).toEqual([
      'destructive',
      'destructive',
      'additive',
      'additive',
    ]);
  });
});

describe('upgrade diff', () => {
  it('aligns a declared rename on one row and marks added, removed and changed columns', async () => {
    const before = diagramOf(await validateModuleDefinition(bookingModule));
    const after = diagramOf(await validateModuleDefinition(bookingModuleV2));
    const d = diffModels(before, after, {
      tables: [],
      columns: [['appointments', 'notes', 'staff_notes']],
    });
    const table = (name: string) => d.tables.find((t) => t.name === name);
    const appointments = table('appointments');
    expect(appointments?.status).toBe('changed');
    expect(appointments?.before).toBe('public.mod_b00c1e55_appointments');
    const renamed = appointments?.rows.find((r) => r.status === 'renamed');
    expect(renamed?.before).toMatch(/^notes text/);
    expect(renamed?.after).toMatch(/^staff_notes text/);
    expect(appointments?.rows.find((r) => r.status === 'removed')?.before).toMatch(
      /^customer_email varchar\(320\)/,
    );
    expect(table('availability')?.rows.find((r) => r.status === 'changed')?.after).toMatch(
      /^weekday integer/,
    );
    expect(table('calendars')?.rows.find((r) => r.status === 'added')?.after).toBe(
      'color text null',
    );
    expect(table('resources')?.status).toBe('same');
    // The merged diagram keeps the dropped column, marked.
    const merged = d.merged.tables.find((t) => t.name === 'appointments');
    expect(merged?.columns.find((c) => c.name === 'customer_email')?.state).toBe('removed');
    expect(merged?.columns.find((c) => c.name === 'staff_notes')?.state).toBe('changed');
  });

  it('draws a widget in public.module_data, the namespace it really has', async () => {
    const d = diagramOf(await validateModuleDefinition(widgetModule));
    expect(d.namespace).toBe(
      "public.module_data (shared; rows where module_short_id = 'a1d9e7f3')",
    );
    expect(d.tables.map((t) => t.qualified)).toEqual(['public.module_data']);
  });
});

describe('compound filter', () => {
  const columns = new Set(['id', 'status', 'lead_score', 'last_name']);
  const convert = (column: string, raw: string) => (column === 'lead_score' ? Number(raw) : raw);

  it('turns OR groups of AND conditions (with NOT) into the SDK where', () => {
    const spec = {
      groups: [
        [
          { column: 'lead_score', op: 'gte' as const, value: '70', not: false },
          { column: 'lead_score', op: 'lte' as const, value: '90', not: false },
          { column: 'last_name', op: 'contains' as const, value: '50%_off', not: true },
        ],
        [{ column: 'status', op: 'in' as const, value: 'lead, customer', not: false }],
      ],
    };
    expect(whereOf(spec, columns, convert)).toEqual({
      or: [
        {
          lead_score: { gte: 70 },
          or: [
            { lead_score: { lte: 90 }, or: [{ last_name: { not: { ilike: '%50\\%\\_off%' } } }] },
          ],
        },
        { status: ['lead', 'customer'] },
      ],
    });
    expect(describeFilter(spec)).toBe(
      '(lead_score ≥ "70" and lead_score ≤ "90" and not (last_name contains "50%_off")) or (status in (lead, customer))',
    );
  });

  it('refuses an unknown column and too many conditions, naming where', () => {
    expect(() =>
      whereOf(
        { groups: [[{ column: 'nope', op: 'eq', value: '1', not: false }]] },
        columns,
        convert,
      ),
    ).toThrow(/unknown column "nope"/);
    const many = Array.from({ length: 13 }, () => ({
      column: 'status',
      op: 'eq' as const,
      value: 'x',
      not: false,
    }));
    expect(() => whereOf({ groups: [many] }, columns, convert)).toThrow(/at most 12 conditions/);
    expect(whereOf({ groups: [[]] }, columns, convert)).toEqual({});
    expect(escapeLike('a\\b')).toBe('a\\\\b');
  });
});

describe('timeline sentences', () => {
  it('says what each event did without showing its JSON', () => {
    const upgraded = describeEvent({
      event: 'upgraded',
      details: {
        from: '1.0.0',
        to: '1.1.0',
        statements: 22,
        changes: [{ class: 'additive', description: 'new column contacts.source' }],
      },
    });
    expect(upgraded.headline).toBe('1.0.0 -> 1.1.0, 22 statements');
    expect(upgraded.facts).toEqual(['additive: new column contacts.source']);
    const purged = describeEvent({
      event: 'site_purged',
      details: { deleted: { contacts: 2, deals: 1 }, exported: true, wasInstalled: true },
    });
    expect(purged.headline).toBe('3 rows deleted, exported first');
    expect(purged.facts).toEqual(['per table: contacts 2, deals 1']);
    // Keys it does not know are listed, not dropped.
    const other = describeEvent({
      event: 'provisioned',
      details: { version: '1.0.0', strategy: 'schema', statements: 3, tables: [], extra: 'x' },
    });
    expect(other.facts).toEqual(['extra: x']);
    for (const e of [upgraded, purged, other]) {
      expect(JSON.stringify([e.headline, ...e.facts])).not.toMatch(/\\\\"|[{}]"/);
    }
  });
});

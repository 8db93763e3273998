/**
 * The victims of the provisioning attacks: three legitimately provisioned modules (one per
 * strategy) installed on a site of agency A, each holding a secret row, and the attacker's module
 * shape. `victimSnapshot` captures everything about them an attack could change.
 */
import { randomUUID } from 'node:crypto';
import type { PlatformFactory } from '@dramac/test-db';
import { type Kysely, sql } from 'kysely';
import { expect } from 'vitest';
import {
  installModuleForSite,
  type ModulePlan,
  planModuleDatabase,
  provisionModuleDatabase,
  type ValidatedModuleDefinition,
  validateModuleDefinition,
} from '../../src/index';
import { type Attempt, errorText } from './attack-harness';
import {
  forbiddenPrivileges,
  foreignKeyTargets,
  leftovers,
  memberOf,
  membersOf,
  ownersOf,
  type PolicyFact,
  policiesOf,
  privilegesOn,
  relationsOf,
  roleAttributes,
  routinesOf,
  runnerProblems,
  triggersOf,
} from './end-state';

export type { PolicyFact } from './end-state';

export interface TableVictim {
  readonly moduleId: string;
  readonly short: string;
  /** `schema.table` */
  readonly table: string;
  /** `"schema"."table"` */
  readonly quoted: string;
  readonly schema: string;
  readonly rel: string;
  readonly secret: string;
  readonly role: string;
  readonly admin: string;
}

export interface Victims {
  readonly agency: string;
  readonly site: string;
  readonly user: string;
  /** Schema strategy, table `secrets(secret text)`. */
  readonly vault: TableVictim;
  /** Prefix strategy, table `entries(secret text)`. */
  readonly ledger: TableVictim;
  /** Shared strategy: a `module_data` row whose value holds the secret. */
  readonly widget: { readonly moduleId: string; readonly short: string; readonly secret: string };
  readonly secrets: readonly string[];
}

const secret = (label: string) => `S3CRET-${label}-${randomUUID().slice(0, 8)}`;

/** Provisions and fills the victims. */
export async function setUpVictims(db: Kysely<any>, factory: PlatformFactory): Promise<Victims> {
  const agency = await factory.agency();
  const site = await factory.site(agency);
  const user = await factory.user();
  await factory.member(agency, user);

  const tableVictim = async (
    moduleType: 'custom' | 'app',
    name: string,
    label: string,
  ): Promise<TableVictim> => {
    const moduleId = randomUUID();
    const result = await provisionModuleDatabase(db, {
      moduleId,
      moduleType,
      version: '1.0.0',
      tables: [{ name, columns: [{ name: 'secret', type: 'text' }] }],
    });
    await installModuleForSite(db, moduleId, site);
    const table = result.tables[0] as string;
    const [schema, rel] = table.split('.') as [string, string];
    const value = secret(label);
    await sql`insert into ${sql.id(schema, rel)} (site_id, secret) values (${site}::uuid, ${value})`.execute(
      db,
    );
    return {
      moduleId,
      short: result.shortId,
      table,
      quoted: `"${schema}"."${rel}"`,
      schema,
      rel,
      secret: value,
      role: `modrole_${result.shortId}`,
      admin: `modadmin_${result.shortId}`,
    };
  };
  const vault = await tableVictim('custom', 'secrets', 'vault');
  const ledger = await tableVictim('app', 'entries', 'ledger');

  const widgetId = randomUUID();
  const widget = await provisionModuleDatabase(db, {
    moduleId: widgetId,
    moduleType: 'widget',
    version: '1.0.0',
    tables: [],
  });
  await installModuleForSite(db, widgetId, site);
  const widgetSecret = secret('widget');
  await sql`insert into public.module_data (module_short_id, site_id, collection, key, value)
    values (${widget.shortId}, ${site}::uuid, 'notes', 'k1', ${JSON.stringify({ secret: widgetSecret })}::jsonb)`.execute(
    db,
  );
  return {
    agency,
    site,
    user,
    vault,
    ledger,
    widget: { moduleId: widgetId, short: widget.shortId, secret: widgetSecret },
    secrets: [vault.secret, ledger.secret, widgetSecret],
  };
}

/**
 * Everything about the victims and the shared platform objects an attack could change: registry
 * rows, installations, policies (with expressions), ACLs, constraints, triggers, memberships and
 * the secret rows. Entries of `ignoreRoles` (the attacker's own, legitimately granted) are left out.
 */
export async function victimSnapshot(
  db: Kysely<any>,
  v: Victims,
  ignoreRoles: readonly string[] = [],
): Promise<string> {
  // One query: this runs twice per attack.
  const shorts = [v.vault.short, v.ledger.short, v.widget.short];
  const ids = [v.vault.moduleId, v.ledger.moduleId, v.widget.moduleId];
  const tables = [v.vault.table, v.ledger.table];
  const roles = [
    v.vault.role,
    v.vault.admin,
    v.ledger.role,
    v.ledger.admin,
    `modrole_${v.widget.short}`,
  ];
  const platformTables = [
    'public.module_data',
    'public.module_database_registry',
    'public.module_database_versions',
    'public.module_database_events',
    'public.module_site_installations',
    'public.sites',
  ];
  const { rows } = await sql<{ snap: unknown }>`
    select jsonb_build_object(
      'registry', (select jsonb_agg(to_jsonb(r) order by r.module_short_id) from (
        select module_short_id, version, checksum, status, drop_after, table_names, role_name, schema_name, definition
        from public.module_database_registry where module_short_id = any(${shorts}::text[])) r),
      'installations', (select jsonb_agg(to_jsonb(i) order by i.module_short_id, i.site_id) from (
        select module_short_id, site_id, status from public.module_site_installations
        where module_short_id = any(${shorts}::text[])) i),
      'versions', (select jsonb_agg(to_jsonb(x) order by x.module_id, x.version) from (
        select module_id, version, checksum from public.module_database_versions
        where module_id = any(${ids}::uuid[])) x),
      'events', (select jsonb_agg(to_jsonb(e) order by e.id) from (
        select id, module_short_id, event, actor, details from public.module_database_events
        where module_short_id = any(${shorts}::text[])) e),
      'vault', (select jsonb_agg(to_jsonb(t) order by t.id) from ${sql.id(v.vault.schema, v.vault.rel)} t),
      'ledger', (select jsonb_agg(to_jsonb(t) order by t.id) from ${sql.id(v.ledger.schema, v.ledger.rel)} t),
      'widget', (select jsonb_agg(jsonb_build_array(d.id, d.site_id, d.collection, d.key, d.value) order by d.id)
        from public.module_data d where d.module_short_id = ${v.widget.short}),
      'relations', (select jsonb_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relrowsecurity
          || ':' || c.relforcerowsecurity || ':' || pg_catalog.pg_get_userbyid(c.relowner) || ':' || coalesce(c.relacl::text, '')
          order by n.nspname, c.relname)
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${`mod_${v.vault.short}`} or c.relname like ${`mod_${v.ledger.short}_%`}),
      'objects', (select jsonb_object_agg(t.rel::text, jsonb_build_object(
          'policies', (select jsonb_agg(jsonb_build_array(p.polname, p.polpermissive, p.polcmd::text, p.polroles::regrole[]::text,
              pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) order by p.polname)
            from pg_catalog.pg_policy p where p.polrelid = t.rel),
          'columns', (select jsonb_agg(jsonb_build_array(a.attname, a.atttypid::regtype::text, a.attnotnull, a.attacl::text,
              pg_catalog.pg_get_expr(d.adbin, d.adrelid)) order by a.attnum)
            from pg_catalog.pg_attribute a left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where a.attrelid = t.rel and a.attnum > 0 and not a.attisdropped),
          'constraints', (select jsonb_agg(k.conname || ':' || pg_catalog.pg_get_constraintdef(k.oid) order by k.conname)
            from pg_catalog.pg_constraint k where k.conrelid = t.rel),
          'referencedBy', (select jsonb_agg(k.conrelid::regclass::text || ':' || k.conname order by k.conrelid::regclass::text || ':' || k.conname)
            from pg_catalog.pg_constraint k where k.confrelid = t.rel),
          'inheritedBy', (select jsonb_agg(h.inhrelid::regclass::text order by h.inhrelid::regclass::text) from pg_catalog.pg_inherits h where h.inhparent = t.rel),
          'rules', (select jsonb_agg(w.rulename order by w.rulename) from pg_catalog.pg_rewrite w where w.ev_class = t.rel),
          'triggers', (select jsonb_agg(g.tgname || ':' || g.tgfoid::regprocedure::text order by g.tgname)
            from pg_catalog.pg_trigger g where g.tgrelid = t.rel and not g.tgisinternal),
          'indexes', (select jsonb_agg(pg_catalog.pg_get_indexdef(i.indexrelid) order by pg_catalog.pg_get_indexdef(i.indexrelid)) from pg_catalog.pg_index i where i.indrelid = t.rel)
        )) from unnest(${tables}::regclass[]) as t(rel)),
      'roles', (select jsonb_object_agg(r.name, jsonb_build_object(
          'attributes', (select jsonb_build_array(a.rolsuper, a.rolbypassrls, a.rolcanlogin, a.rolcreaterole, a.rolinherit, a.rolconfig)
            from pg_catalog.pg_roles a where a.rolname = r.name),
          'memberOf', (select jsonb_agg(g.rolname order by g.rolname) from pg_catalog.pg_auth_members m
            join pg_catalog.pg_roles g on g.oid = m.roleid join pg_catalog.pg_roles u on u.oid = m.member where u.rolname = r.name),
          'members', (select jsonb_agg(u.rolname order by u.rolname) from pg_catalog.pg_auth_members m
            join pg_catalog.pg_roles g on g.oid = m.roleid join pg_catalog.pg_roles u on u.oid = m.member where g.rolname = r.name)
        )) from unnest(${roles}::text[]) as r(name)),
      'platform', (select jsonb_object_agg(t.rel::text, jsonb_build_object(
          'policies', (select jsonb_agg(jsonb_build_array(p.polname, p.polpermissive, p.polcmd::text, p.polroles::regrole[]::text,
              pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) order by p.polname)
            from pg_catalog.pg_policy p where p.polrelid = t.rel),
          'privileges', (select jsonb_agg(x.g order by x.g) from (
            select case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end as who,
              case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end || ':' || a.privilege_type
                || case when a.is_grantable then '*' else '' end as g
            from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a where c.oid = t.rel) x
            where not (x.who = any(${[...ignoreRoles, '-']}::text[]))),
          'triggers', (select jsonb_agg(g.tgname || ':' || g.tgfoid::regprocedure::text order by g.tgname)
            from pg_catalog.pg_trigger g where g.tgrelid = t.rel and not g.tgisinternal),
          'rls', (select c.relrowsecurity || ':' || c.relforcerowsecurity from pg_catalog.pg_class c where c.oid = t.rel)
        )) from unnest(${platformTables}::regclass[]) as t(rel)),
      'sites', (select jsonb_agg(jsonb_build_array(s.id, s.name, s.subdomain) order by s.id) from public.sites s),
      'copies', (select jsonb_agg((select count(*) from public.module_data d
          where d.module_short_id <> ${v.widget.short}
            and (d.value::text like '%' || x.secret || '%' or d.key like '%' || x.secret || '%'))
          order by x.secret)
        from unnest(${[...v.secrets]}::text[]) as x(secret))
    ) as snap`.execute(db);
  return JSON.stringify(rows[0]?.snap);
}

/** The attacker's module: a fresh module id each time, so every attempt starts clean. */
export interface Attacker {
  readonly def: ValidatedModuleDefinition;
  readonly plan: ModulePlan;
  readonly short: string;
  readonly strategy: 'prefix' | 'schema' | 'shared';
  readonly role: string;
  readonly admin: string;
  /** `"modrole_x"` */
  readonly qrole: string;
  /** `"modadmin_x"` */
  readonly qadmin: string;
  /** The module's table, `schema.table` (empty for widgets). */
  readonly table: string;
  /** `"schema"."table"` */
  readonly qtable: string;
  /** The quoted qualified name of an extra relation `name` in the module's namespace. */
  own(name: string): string;
  /** The same, unquoted (`schema.table`), as plans list tables. */
  ownPlain(name: string): string;
}

/** The attacker's definition (`notes(body text null, qty integer default 0)`). */
export function attackerSource(strategy: 'prefix' | 'schema' | 'shared', moduleId = randomUUID()) {
  return {
    moduleId,
    moduleType: strategy === 'schema' ? 'custom' : strategy === 'prefix' ? 'app' : 'widget',
    version: '1.0.0',
    tables:
      strategy === 'shared'
        ? []
        : [
            {
              name: 'notes',
              columns: [
                { name: 'body', type: 'text', nullable: true },
                { name: 'qty', type: 'integer', default: '0' },
              ],
            },
          ],
  };
}

export async function newAttacker(
  strategy: 'prefix' | 'schema' | 'shared',
  source: unknown = attackerSource(strategy),
): Promise<Attacker> {
  const def = await validateModuleDefinition(source);
  const plan = planModuleDatabase(def);
  const short = plan.shortId;
  const table = plan.tables[0] ?? '';
  const quote = (q: string) =>
    q
      .split('.')
      .map((p) => `"${p}"`)
      .join('.');
  return {
    def,
    plan,
    short,
    strategy,
    role: `modrole_${short}`,
    admin: `modadmin_${short}`,
    qrole: `"modrole_${short}"`,
    qadmin: `"modadmin_${short}"`,
    table,
    qtable: table ? quote(table) : '',
    own: (name) =>
      strategy === 'schema' ? `"mod_${short}"."${name}"` : `"public"."mod_${short}_${name}"`,
    ownPlain: (name) =>
      strategy === 'schema' ? `mod_${short}.${name}` : `public.mod_${short}_${name}`,
  };
}

/** What a legitimate install of the attacker's definition looks like, with `<short>` for its id. */
export interface ReferenceShape {
  /** The site policy of its table (empty for widgets). */
  readonly policies: PolicyFact[];
  /** Attributes and memberships of its two roles. */
  readonly roles: Readonly<Record<'role' | 'admin', string>>;
  /** Table and column privileges on its table (empty for widgets). */
  readonly privileges: readonly string[];
}
export type Reference = Readonly<Record<'prefix' | 'schema' | 'shared', ReferenceShape>>;

// The module's own role manager (dramac_roles_<first two hex digits>) differs between modules.
const normalize = (value: unknown, short: string) =>
  JSON.parse(
    JSON.stringify(value ?? null)
      .split(`dramac_roles_${short.slice(0, 2)}`)
      .join('dramac_roles_<bucket>')
      .split(short)
      .join('<short>'),
  );

async function roleShape(db: Kysely<any>, role: string, short: string): Promise<string> {
  const attributes = await roleAttributes(db, role);
  if (!attributes) return 'absent';
  return JSON.stringify(
    normalize(
      { attributes, memberOf: await memberOf(db, role), members: await membersOf(db, role) },
      short,
    ),
  );
}

/** Provisions the attacker's definition legitimately, once per strategy, and records its shape. */
export async function referenceShapes(db: Kysely<any>): Promise<Reference> {
  const out: Record<string, ReferenceShape> = {};
  for (const strategy of ['prefix', 'schema', 'shared'] as const) {
    const m = await newAttacker(strategy);
    await provisionModuleDatabase(db, m.def);
    const policies = m.table ? await policiesOf(db, m.table) : [];
    if (m.table) expect(policies.length, `policies of ${m.table}`).toBeGreaterThan(0);
    out[strategy] = {
      policies: normalize(policies, m.short),
      roles: {
        role: await roleShape(db, m.role, m.short),
        admin: await roleShape(db, m.admin, m.short),
      },
      privileges: m.table ? normalize(await privilegesOn(db, m.table), m.short) : [],
    };
  }
  return out as unknown as Reference;
}

/**
 * What the call changed in the calling session, field by field. A custom setting that the call
 * created and rolled back reads '' afterwards instead of null (PostgreSQL keeps the placeholder):
 * both mean "not set". Temporary relations count when the call added them.
 */
export function sessionChanges(a: Attempt): string[] {
  const before = a.sessionBefore as unknown as Record<string, unknown>;
  const after = a.sessionAfter as unknown as Record<string, unknown>;
  const unset = (x: unknown) => (x === '' ? null : x);
  const changes = Object.keys({ ...before, ...after })
    .filter((k) => k !== 'tempObjects' && unset(before[k]) !== unset(after[k]))
    .map((k) => `${k}: ${JSON.stringify(before[k])} -> ${JSON.stringify(after[k])}`);
  // Temporary relations the call left (the caller's own may be gone with a rolled-back transaction).
  const names = (x: unknown) => (typeof x === 'string' && x ? x.split(',') : []);
  const had = new Set(names(before.tempObjects));
  const added = names(after.tempObjects).filter((n) => !had.has(n));
  if (added.length > 0) changes.push(`tempObjects: new ${added.join(',')}`);
  return changes;
}

/** Platform tables a module's foreign keys may point at. */
const ALLOWED_FK_TARGETS = new Set([
  'public.sites',
  'public.agencies',
  'public.clients',
  'public.profiles',
  'auth.users',
]);

/**
 * The checks every attack ends with, whatever it aimed at:
 * - the caller was told no secret (error message, detail, hint, causes);
 * - no secret was copied into `module_data` or into the attacker's namespace;
 * - the victims and the shared platform objects are exactly as before;
 * - the calling session is as it was (settings, search_path, advisory locks);
 * - the attacker's roles belong to no role and have no new attributes; no module or API role is a
 *   member of its admin role;
 * - nothing in its namespace grants TRUNCATE, REFERENCES, TRIGGER, a grant option or anything to
 *   a role other than its own two; no foreign key leaves the namespace except to the allowed
 *   platform tables; every relation is a table that forces row-level security with exactly the
 *   platform's site policy; no trigger but the shared updated_at one;
 * - when the attempt was refused, nothing of the module remains anywhere.
 */
export async function expectContained(
  db: Kysely<any>,
  v: Victims,
  before: string,
  m: Attacker,
  a: Attempt,
  reference: Reference,
  options: { readonly install: boolean } = { install: true },
): Promise<void> {
  const told = `${a.text}\n${errorText(a.result)}`;
  for (const s of v.secrets) expect(told, 'a secret reached the caller').not.toContain(s);
  // Includes copies of the secrets in module_data (see victimSnapshot).
  expect(await victimSnapshot(db, v, [m.role, m.admin]), 'victims or copies changed').toBe(before);
  expect(sessionChanges(a), 'the call left state in the calling session').toEqual([]);

  // Roles: absent (refused), or exactly as a legitimate install makes them.
  const ref = reference[m.strategy];
  for (const [key, role] of [
    ['role', m.role],
    ['admin', m.admin],
  ] as const) {
    const shape = await roleShape(db, role, m.short);
    if (shape !== 'absent') {
      expect(JSON.parse(shape), `attributes and memberships of ${role}`).toEqual(
        JSON.parse(ref.roles[key]),
      );
    }
  }

  expect(await forbiddenPrivileges(db, m.short), 'privileges in the namespace').toEqual([]);
  const fks = await foreignKeyTargets(db, m.short);
  const own = (t: string) =>
    t.startsWith(`mod_${m.short}.`) || t.startsWith(`public.mod_${m.short}_`);
  expect(
    fks.filter((t) => !own(t) && !ALLOWED_FK_TARGETS.has(t)),
    'foreign keys out of the namespace',
  ).toEqual([]);
  const relations = await relationsOf(db, m.short);
  for (const r of relations) {
    const [name, kind, rls, forced] = r.split(':');
    if (kind === 'i' || kind === 'S') continue;
    expect(kind, `${name} is not a table`).toBe('r');
    expect(`${rls}:${forced}`, `${name} row-level security`).toBe('true:true');
    if (m.strategy !== 'shared') {
      const policies = normalize(await policiesOf(db, name as string), m.short);
      expect(policies, `policies of ${name}`).toEqual(ref.policies);
      const privileges = normalize(await privilegesOn(db, name as string), m.short);
      expect(privileges, `privileges on ${name}`).toEqual(ref.privileges);
    }
  }
  const owners = await ownersOf(db, m.short);
  expect(
    owners.filter((o) =>
      /:(modrole_|modadmin_|anon$|authenticated$|service_role$|authenticator$|dramac_data_api$)/.test(
        o,
      ),
    ),
    'module relations owned by a module or API role',
  ).toEqual([]);
  const triggers = await triggersOf(db, m.short);
  expect(
    // The platform's quota counting triggers (platform migration 8): only the platform can create a
    // trigger calling dramac_count_usage (no module role may execute it).
    triggers.filter(
      (t) =>
        !t.endsWith(':dramac_set_updated_at()') &&
        !/:dramac_quota_(insert|update|delete|truncate):dramac_count_usage\(\)$/.test(t),
    ),
    "triggers besides the platform's",
  ).toEqual([]);
  expect(
    await routinesOf(db, m.short),
    'functions, types or default privileges of the module',
  ).toEqual([]);

  // The function every module's statements run in is back at rest, unchanged (migration 10).
  expect(await runnerProblems(db), "the platform's DDL runner").toEqual([]);

  if (options.install && !a.ok) {
    expect(await leftovers(db, m.short), 'left behind by a refused install').toEqual([]);
  }
}

/**
 * Puts back what a successful attack may have written to the victims (registry status, versions,
 * events, installations, their rows), so that one attack reaching its goal cannot hide the next
 * one (an update to an already-forged value changes nothing). Run after every test.
 */
export async function restoreVictims(db: Kysely<any>, v: Victims): Promise<void> {
  const shorts = [v.vault.short, v.ledger.short, v.widget.short];
  await sql`update public.module_database_registry set status = 'active', drop_after = null
    where module_short_id = any(${shorts}::text[]) and (status <> 'active' or drop_after is not null)`.execute(
    db,
  );
  await sql`update public.module_database_versions ver set checksum = r.checksum
    from public.module_database_registry r
    where r.module_id = ver.module_id and r.version = ver.version and ver.checksum <> r.checksum
      and r.module_short_id = any(${shorts}::text[])`.execute(db);
  await sql`update public.module_database_events set actor = null
    where module_short_id = any(${shorts}::text[]) and actor is not null`.execute(db);
  await sql`update public.module_site_installations set status = 'active'
    where module_short_id = any(${shorts}::text[]) and status <> 'active'`.execute(db);
  await sql`update public.module_data set value = ${JSON.stringify({ secret: v.widget.secret })}::jsonb
    where module_short_id = ${v.widget.short} and key = 'k1' and value ->> 'secret' is distinct from ${v.widget.secret}`.execute(
    db,
  );
  for (const t of [v.vault, v.ledger]) {
    await sql`update ${sql.id(t.schema, t.rel)} set secret = ${t.secret} where secret is distinct from ${t.secret}`.execute(
      db,
    );
  }
}

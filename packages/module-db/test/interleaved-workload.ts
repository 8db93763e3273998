/**
 * An interleaved multi-tenant workload for the concurrency and PgBouncer tests: hundreds of SDK
 * operations over several modules and sites, all started at once over a small pool, with probes
 * between them that look for a module role or request claims left on a pooled connection.
 * Every row a call returns must belong to the call's own site, and every row written must land on
 * the site its name says.
 */
import { type Kysely, sql } from 'kysely';
import { createDatabaseSDK } from '../../module-sdk/src/index';
import type { DataTransport } from '../src/client';
import { installModuleForSite, type ProvisionResult, provisionModuleDatabase } from '../src/index';
import { createPostgresTransport } from '../src/postgres';
import { bookingModule, crmModule } from './fixtures/sample-modules';
import { withFreshModuleId } from './support';

/** Modules, sites and users of the workload. */
export interface WorkloadFixture {
  readonly modules: readonly {
    definition: any;
    result: ProvisionResult;
    table: string;
    /** A harmless change for updates. */
    patch: Record<string, string>;
  }[];
  readonly sites: readonly string[];
  /** Member of every site's agency. */
  readonly member: string;
  /** Member of no agency: must see nothing. */
  readonly outsider: string;
}

/** What the workload saw. */
export interface WorkloadReport {
  readonly operations: number;
  readonly probes: number;
  readonly errors: readonly string[];
  /** Rows returned to a call that belong to another site, and probes that found a context. */
  readonly leaks: readonly string[];
  readonly rowsWritten: number;
}

/** Provisions a schema module and a prefix module, three sites over two agencies, two users. */
export async function prepareWorkload(
  db: Kysely<any>,
  factory: {
    agency(): Promise<string>;
    site(a: string): Promise<string>;
    user(): Promise<string>;
    member(a: string, u: string): Promise<void>;
  },
): Promise<WorkloadFixture> {
  const modules = [];
  for (const [fixture, table, patch] of [
    [crmModule, 'companies', { industry: 'updated' }],
    [bookingModule, 'calendars', { timezone: 'Europe/Paris' }],
  ] as const) {
    const definition = withFreshModuleId(fixture);
    modules.push({
      definition,
      result: await provisionModuleDatabase(db, definition),
      table,
      patch,
    });
  }
  const a = await factory.agency();
  const b = await factory.agency();
  const sites = [await factory.site(a), await factory.site(a), await factory.site(b)];
  const member = await factory.user();
  await factory.member(a, member);
  await factory.member(b, member);
  const outsider = await factory.user();
  for (const m of modules)
    for (const s of sites) await installModuleForSite(db, m.result.moduleId, s);
  return { modules, sites, member, outsider };
}

/**
 * Runs `operations` SDK calls (creates, finds, counts, updates, atomic batches, an outsider's
 * reads) spread over every module and site, all at once through `conn`, with a context probe
 * after every fifth call. The SDK calls go through `transport` (by default the Kysely transport
 * over `conn`); the probes always through `conn`.
 */
export async function runWorkload(
  conn: Kysely<any>,
  fixture: WorkloadFixture,
  operations: number,
  tag: string,
  transport: DataTransport = createPostgresTransport(conn),
): Promise<WorkloadReport> {
  const errors: string[] = [];
  const leaks: string[] = [];
  let rowsWritten = 0;
  let probes = 0;
  const sdkFor = (m: number, s: number, user: string) =>
    createDatabaseSDK({
      definition: fixture.modules[m]?.definition,
      siteId: fixture.sites[s] as string,
      userId: user,
      transport,
    }) as any;
  const check = (label: string, site: string, rows: readonly any[]) => {
    for (const row of rows) {
      if (row.site_id !== site || (typeof row.name === 'string' && !row.name.includes(site))) {
        leaks.push(`${label}: got a row of site ${row.site_id} (${row.name}) for site ${site}`);
      }
    }
  };
  const probe = async () => {
    probes++;
    const { rows } = await sql<{ who: string; claims: string | null }>`
      select current_user::text as who, nullif(current_setting('request.jwt.claims', true), '') as claims`.execute(
      conn,
    );
    const r = rows[0];
    if (!r || /^mod(role|admin)_/.test(r.who) || r.claims !== null) {
      leaks.push(`probe: connection still carries ${r?.who} ${r?.claims}`);
    }
  };

  const tasks = Array.from({ length: operations }, (_, i) => async () => {
    const m = i % fixture.modules.length;
    const s = Math.floor(i / fixture.modules.length) % fixture.sites.length;
    const site = fixture.sites[s] as string;
    const table = fixture.modules[m]?.table as string;
    const sdk = sdkFor(m, s, fixture.member);
    const label = `op ${i} (${table}, site ${s})`;
    const name = `${tag}-${site}-${i}`;
    try {
      switch (i % 6) {
        case 0:
        case 1: {
          const row = await sdk.createOne(table, { name });
          rowsWritten++;
          check(label, site, [row]);
          break;
        }
        case 2:
          check(label, site, await sdk.find(table, { where: { name: { like: `${tag}-%` } } }));
          break;
        case 3: {
          const n = await sdk.count(table);
          if (typeof n !== 'number') errors.push(`${label}: count returned ${n}`);
          const patch = fixture.modules[m]?.patch;
          check(label, site, await sdk.update(table, { name: { like: `${tag}-%` } }, patch));
          break;
        }
        case 4: {
          const rows = await sdk.batch([
            { type: 'create', table, data: { name: `${name}-a` } },
            { type: 'create', table, data: { name: `${name}-b` } },
          ]);
          rowsWritten += 2;
          check(label, site, rows);
          check(label, site, await sdk.find(table, { limit: 50 }));
          break;
        }
        case 5: {
          const outsider = sdkFor(m, s, fixture.outsider);
          const seen = await outsider.find(table);
          if (seen.length > 0) leaks.push(`${label}: an outsider saw ${seen.length} rows`);
          break;
        }
      }
    } catch (error) {
      errors.push(`${label}: ${(error as Error).name} ${(error as Error).message}`);
    }
    if (i % 5 === 0) await probe();
  });
  await Promise.all(tasks.map((t) => t()));
  for (let i = 0; i < 10; i++) await probe();
  return { operations, probes, errors, leaks, rowsWritten };
}

/** Rows of the run (by tag) whose site does not match the site in their name, as the platform sees them. */
export async function misplacedRows(
  db: Kysely<any>,
  fixture: WorkloadFixture,
  tag: string,
): Promise<{ total: number; misplaced: number }> {
  let total = 0;
  let misplaced = 0;
  for (const m of fixture.modules) {
    const t =
      m.result.strategy === 'schema'
        ? sql.id(m.result.schemaName, m.table)
        : sql.id('public', `mod_${m.result.shortId}_${m.table}`);
    const { rows } = await sql<{ total: number; misplaced: number }>`
      select count(*)::int as total, count(*) filter (where position(site_id::text in name) = 0)::int as misplaced
      from ${t} where name like ${`${tag}-%`}`.execute(db);
    total += rows[0]?.total ?? 0;
    misplaced += rows[0]?.misplaced ?? 0;
  }
  return { total, misplaced };
}

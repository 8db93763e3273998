'use server';

import {
  deprovisionModuleDatabase,
  installModuleForSite,
  planModuleDatabase,
  planModuleUpgrade,
  provisionModuleDatabase,
  readInstalledDefinition,
  renderPlan,
  renderUpgradePlan,
  uninstallModuleFromSite,
  validateModuleDefinition,
} from '@dramac/module-db';
import { type ActionResult, attempt, InputError } from '../lib/action-result';
import { getDb } from '../lib/database';
import { seedDemoPlatform } from '../lib/demo-platform';
import { convertValue, formColumns, recordFromForm } from '../lib/form-values';
import { type MatrixReport, runIsolationMatrix } from '../lib/isolation-matrix';
import { catalogModule } from '../lib/module-catalog';
import { sdkFor } from '../lib/module-sdk-for';

const ACTOR = 'playground';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuid(value: unknown, what: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new InputError(`choose a ${what}`, what);
  }
  return value.toLowerCase();
}

export interface PlanView {
  readonly title: string;
  readonly sql: string;
  readonly statements: number;
  readonly refused?: number;
}

/** Seeds the demo platform (the button on the Overview screen). */
export async function seedDemoAction(): Promise<ActionResult<string>> {
  return attempt(async () => {
    await seedDemoPlatform(getDb());
    return 'The demo platform is in place: 2 agencies, 3 sites, 4 users.';
  });
}

/** The install plan of a catalog module, as SQL: nothing runs. */
export async function planInstallAction(key: string): Promise<ActionResult<PlanView>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const plan = planModuleDatabase(await validateModuleDefinition(module.definition));
    return {
      title: `Install ${module.title} ${plan.version} (${plan.strategy} strategy)`,
      sql: renderPlan(plan),
      statements: plan.statements.length,
    };
  });
}

/** Provisions a catalog module (one transaction; nothing is left behind on failure). */
export async function applyInstallAction(key: string): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const r = await provisionModuleDatabase(getDb(), module.definition, { actor: ACTOR });
    return `${module.title} ${r.version}: ${r.status} (${r.statementsApplied} statements applied, ${r.strategy} strategy, ${r.schemaName})`;
  });
}

/** The upgrade plan from the installed version to the catalog's newer one. */
export async function planUpgradeAction(key: string): Promise<ActionResult<PlanView>> {
  return attempt(async () => {
    const module = catalogModule(key);
    if (!module.upgrade) throw new InputError(`${module.title} has no newer version`);
    const installed = await readInstalledDefinition(getDb(), module.definition.moduleId);
    if (!installed) throw new InputError(`${module.title} is not installed`);
    const next = await validateModuleDefinition(module.upgrade);
    const plan = planModuleUpgrade(installed.definition, next);
    return {
      title: `Upgrade ${module.title} ${plan.fromVersion} -> ${plan.toVersion}`,
      sql: renderUpgradePlan(plan),
      statements: plan.statements.length,
      refused: plan.refused.length,
    };
  });
}

/** Applies the upgrade (additive changes; refused ones would need a declared migration). */
export async function applyUpgradeAction(key: string): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(key);
    if (!module.upgrade) throw new InputError(`${module.title} has no newer version`);
    const r = await provisionModuleDatabase(getDb(), module.upgrade, { actor: ACTOR });
    return `${module.title}: ${r.status} to ${r.version} (${r.statementsApplied} statements applied)`;
  });
}

/** Drops the module everywhere: what the registry lists, its roles, installations and rows. */
export async function uninstallEverywhereAction(key: string): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const r = await deprovisionModuleDatabase(getDb(), module.definition.moduleId, {
      mode: 'drop',
      actor: ACTOR,
    });
    if (r.status !== 'dropped') return `${module.title}: ${r.status}`;
    return `${module.title} uninstalled everywhere: ${r.tables.length} tables dropped${r.schemaDropped ? `, schema ${r.schema} dropped` : ''}, role ${r.role} dropped, ${r.installations} site installations removed`;
  });
}

/** Installs a provisioned module on one site. */
export async function installOnSiteAction(
  key: string,
  siteId: string,
): Promise<ActionResult<string>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const r = await installModuleForSite(
      getDb(),
      module.definition.moduleId,
      uuid(siteId, 'site'),
      {
        actor: ACTOR,
      },
    );
    return `${module.title}: ${r.status.replace('_', ' ')}`;
  });
}

export interface SiteUninstallView {
  readonly message: string;
  readonly fileName: string;
  readonly exported: unknown;
}

/**
 * Uninstalls a module from one site: the site's rows are exported as JSON and deleted in the same
 * transaction, so the download is exactly what was purged.
 */
export async function uninstallFromSiteAction(
  key: string,
  siteId: string,
): Promise<ActionResult<SiteUninstallView>> {
  return attempt(async () => {
    const module = catalogModule(key);
    const site = uuid(siteId, 'site');
    const r = await uninstallModuleFromSite(getDb(), module.definition.moduleId, site, {
      export: true,
      actor: ACTOR,
    });
    const total = Object.values(r.deleted).reduce((a, b) => a + b, 0);
    return {
      message: `${module.title} uninstalled from the site: ${total} ${total === 1 ? 'row' : 'rows'} exported and purged`,
      fileName: `${module.key}-site-${site}-export.json`,
      exported: {
        module: module.definition.moduleId,
        site,
        exportedAt: new Date().toISOString(),
        deleted: r.deleted,
        tables: r.exported ?? {},
      },
    };
  });
}

/** Validates a definition pasted as JSON and prints its plan: a dry run, nothing is applied. */
export async function validateDefinitionAction(json: string): Promise<ActionResult<PlanView>> {
  return attempt(async () => {
    if (json.length > 200_000) throw new InputError('the definition is too long (200 kB at most)');
    let input: unknown;
    try {
      input = JSON.parse(json);
    } catch (error) {
      throw new InputError(`not valid JSON: ${(error as Error).message}`);
    }
    const plan = planModuleDatabase(await validateModuleDefinition(input));
    return {
      title: `Valid: ${plan.tables.length} tables, ${plan.strategy} strategy`,
      sql: renderPlan(plan),
      statements: plan.statements.length,
    };
  });
}

/** Which rows the Data screen works on. */
export interface DataTarget {
  readonly userId: string;
  readonly siteId: string;
  readonly moduleKey: string;
  readonly table: string;
}

export interface ListRequest extends DataTarget {
  readonly filter?: { column: string; op: string; value: string };
  readonly sort?: { column: string; ascending: boolean };
  readonly page: number;
  readonly pageSize: number;
}

export interface ListView {
  readonly rows: Record<string, unknown>[];
  readonly total: number;
  readonly columns: string[];
}

const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'is_null'] as const;

async function open(target: DataTarget) {
  const { sdk, definition } = await sdkFor(
    target.moduleKey,
    uuid(target.siteId, 'site'),
    uuid(target.userId, 'user'),
  );
  const columns = formColumns(definition, target.table);
  return { sdk, columns };
}

/** Lists rows through the SDK: one filter, one sort, a page, and the total via `count`. */
export async function listRowsAction(request: ListRequest): Promise<ActionResult<ListView>> {
  return attempt(async () => {
    const { sdk, columns } = await open(request);
    const where: Record<string, unknown> = {};
    const f = request.filter;
    if (f && f.column !== '') {
      const column = columns.find((c) => c.name === f.column) ?? {
        name: f.column,
        type: 'text',
        nullable: true,
        hasDefault: false,
      };
      if (!(FILTER_OPS as readonly string[]).includes(f.op)) {
        throw new InputError(`unknown filter "${f.op.slice(0, 20)}"`, 'filter.op');
      }
      if (f.op === 'is_null') where[f.column] = null;
      else if (f.op === 'contains') where[f.column] = { ilike: `%${f.value}%` };
      else where[f.column] = { [f.op]: convertValue(column, f.value) };
    }
    const pageSize = Math.min(Math.max(1, Math.trunc(request.pageSize) || 10), 100);
    const page = Math.max(0, Math.trunc(request.page) || 0);
    const [rows, total] = await Promise.all([
      sdk.find(request.table, {
        where,
        ...(request.sort?.column && {
          orderBy: { column: request.sort.column, ascending: request.sort.ascending },
        }),
        limit: pageSize,
        offset: page * pageSize,
      }),
      sdk.count(request.table, where),
    ]);
    return { rows, total, columns: ['id', ...columns.map((c) => c.name)] };
  });
}

/** Creates one row through the SDK (`site_id` is stamped from the context). */
export async function createRowAction(
  target: DataTarget,
  values: Record<string, string>,
): Promise<ActionResult<Record<string, unknown>>> {
  return attempt(async () => {
    const { sdk, columns } = await open(target);
    return sdk.createOne(target.table, recordFromForm(columns, values, 'create'));
  });
}

/** Changes one row by id through the SDK. */
export async function updateRowAction(
  target: DataTarget,
  id: string,
  values: Record<string, string>,
): Promise<ActionResult<Record<string, unknown>>> {
  return attempt(async () => {
    const { sdk, columns } = await open(target);
    const row = await sdk.updateById(
      target.table,
      uuid(id, 'row'),
      recordFromForm(columns, values, 'update'),
    );
    if (!row) throw new InputError('no such row on this site (or not visible to this user)');
    return row;
  });
}

/** Deletes one row by id through the SDK. */
export async function deleteRowAction(
  target: DataTarget,
  id: string,
): Promise<ActionResult<boolean>> {
  return attempt(async () => {
    const { sdk } = await open(target);
    const gone = await sdk.deleteById(target.table, uuid(id, 'row'));
    if (!gone) throw new InputError('no such row on this site (or not visible to this user)');
    return true;
  });
}

/** Runs the live isolation matrix. */
export async function runMatrixAction(): Promise<ActionResult<MatrixReport>> {
  return attempt(runIsolationMatrix);
}

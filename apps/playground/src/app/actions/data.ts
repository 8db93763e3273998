'use server';

import { createModuleAdminClient } from '@dramac/module-db/admin';
import {
  type ActionError,
  type ActionResult,
  attempt,
  InputError,
  toActionError,
} from '../../lib/action-result';
import { type FilterSpec, whereOf } from '../../lib/compound-filter';
import { getDb } from '../../lib/database';
import { convertValue, type FormColumn, formColumns, recordFromForm } from '../../lib/form-values';
import { uuid } from '../../lib/ids';
import { byteLength, formatBytes, LIMITS } from '../../lib/limits';
import { catalogModule } from '../../lib/module-catalog';
import { provisionedDefinition, sdkFor } from '../../lib/module-sdk-for';
import { readPlatform } from '../../lib/platform';

/** Which rows the Data screen works on. */
export interface DataTarget {
  readonly userId: string;
  readonly siteId: string;
  readonly moduleKey: string;
  readonly table: string;
}

export interface ListRequest extends DataTarget {
  readonly filter: FilterSpec;
  readonly sort?: { column: string; ascending: boolean };
  readonly pageSize: number;
  /** Offset paging: the page number (0-based). */
  readonly page?: number;
  /** Keyset paging: `null` for the first page, else the previous page's `nextCursor`. */
  readonly cursor?: string | null;
  readonly paging: 'offset' | 'keyset';
}

export interface ListView {
  readonly rows: Record<string, unknown>[];
  readonly total: number;
  readonly columns: string[];
  /** Keyset paging: the cursor of the next page, null on the last. */
  readonly nextCursor: string | null;
}

async function open(target: DataTarget) {
  const { sdk, definition } = await sdkFor(
    target.moduleKey,
    uuid(target.siteId, 'site'),
    uuid(target.userId, 'user'),
  );
  const columns = formColumns(definition, target.table);
  return { sdk, columns };
}

function converter(columns: readonly FormColumn[]) {
  return (name: string, raw: string) => {
    const column = columns.find((c) => c.name === name) ?? {
      name,
      type: name === 'id' ? 'uuid' : 'text',
      nullable: true,
      hasDefault: false,
    };
    return convertValue(column, raw);
  };
}

/** Lists rows through the SDK: a compound filter, a sort, offset or keyset pages, the total. */
export async function listRowsAction(request: ListRequest): Promise<ActionResult<ListView>> {
  return attempt(async () => {
    const { sdk, columns } = await open(request);
    const names = new Set(['id', ...columns.map((c) => c.name)]);
    const where = whereOf(request.filter, names, converter(columns));
    const pageSize = Math.min(Math.max(1, Math.trunc(request.pageSize) || 10), 100);
    const orderBy = request.sort?.column
      ? { column: request.sort.column, ascending: request.sort.ascending }
      : undefined;
    if (request.paging === 'keyset') {
      const [page, total] = await Promise.all([
        sdk.findPage(request.table, {
          where,
          ...(orderBy && { orderBy }),
          limit: pageSize,
          cursor: request.cursor ?? null,
        }),
        sdk.count(request.table, where),
      ]);
      return {
        rows: page.rows,
        total,
        columns: ['id', ...columns.map((c) => c.name)],
        nextCursor: page.nextCursor,
      };
    }
    const page = Math.max(0, Math.trunc(request.page ?? 0) || 0);
    const [rows, total] = await Promise.all([
      sdk.find(request.table, {
        where,
        ...(orderBy && { orderBy }),
        limit: pageSize,
        offset: page * pageSize,
      }),
      sdk.count(request.table, where),
    ]);
    return { rows, total, columns: ['id', ...columns.map((c) => c.name)], nextCursor: null };
  });
}

function checkRowSize(values: Record<string, string>) {
  const size = byteLength(JSON.stringify(values ?? {}));
  if (size > LIMITS.rowBytes) {
    throw new InputError(
      `the row is ${formatBytes(size)}; the limit is ${formatBytes(LIMITS.rowBytes)}`,
      'data',
    );
  }
}

/** Creates one row through the SDK (`site_id` is stamped from the context). */
export async function createRowAction(
  target: DataTarget,
  values: Record<string, string>,
): Promise<ActionResult<Record<string, unknown>>> {
  return attempt(async () => {
    checkRowSize(values);
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
    checkRowSize(values);
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

/** One step of the batch or transaction demo. */
export interface DemoStep {
  readonly label: string;
  readonly status: 'ran' | 'failed' | 'rolled back' | 'kept' | 'not run';
  readonly detail?: string;
}

export interface DemoView {
  readonly title: string;
  readonly table: string;
  readonly before: number;
  /** Rows counted inside the transaction, just before it ended (transaction demo). */
  readonly inside?: number;
  readonly after: number;
  readonly steps: readonly DemoStep[];
  readonly error?: ActionError;
  readonly conclusion: string;
}

/**
 * Three creates in one `batch`: two valid rows, then one PostgreSQL refuses. Atomic (the default)
 * keeps none of them; `atomic: false` keeps the two before the failure.
 */
export async function batchDemoAction(
  target: DataTarget,
  atomic: boolean,
): Promise<ActionResult<DemoView>> {
  return attempt(async () => {
    const module = catalogModule(target.moduleKey);
    const probe = module.probe;
    if (!probe) throw new InputError(`${module.title} has no tables to batch into`);
    const { sdk } = await sdkFor(
      module.key,
      uuid(target.siteId, 'site'),
      uuid(target.userId, 'user'),
    );
    const first = probe.record('Batch');
    const ops = [
      { type: 'create', table: probe.table, data: first },
      { type: 'create', table: probe.table, data: probe.record('Batch') },
      { type: 'create', table: probe.table, data: probe.bad(first) },
    ];
    const before = await sdk.count(probe.table);
    let error: ActionError | undefined;
    try {
      await sdk.batch(ops, { atomic });
    } catch (e) {
      error = toActionError(e);
    }
    const after = await sdk.count(probe.table);
    const failedAt = error
      ? Number(/operations\[(\d+)\]/.exec(error.path ?? error.message)?.[1] ?? 2)
      : -1;
    const steps: DemoStep[] = ops.map((op, i) => ({
      label: `create in ${probe.table}: ${Object.values(op.data).slice(0, 2).join(' ')}`,
      status:
        i === failedAt
          ? 'failed'
          : failedAt >= 0 && i > failedAt
            ? 'not run'
            : failedAt >= 0
              ? atomic
                ? 'rolled back'
                : 'kept'
              : 'ran',
      ...(i === failedAt && { detail: `${error?.code}: ${error?.message} (${probe.badReason})` }),
    }));
    return {
      title: atomic ? 'Atomic batch (the default)' : 'Batch with { atomic: false }',
      table: probe.table,
      before,
      after,
      steps,
      ...(error && { error }),
      conclusion: atomic
        ? after === before
          ? `One transaction: the failure of operation ${failedAt + 1} rolled back the ${failedAt} before it. ${before} rows before, ${after} after.`
          : `Rows changed from ${before} to ${after}: the batch was not atomic!`
        : `No transaction: the ${Math.max(0, failedAt)} operations before the failure stay. ${before} rows before, ${after} after.`,
    };
  });
}

/** Two writes in `sdk.transaction`, then the callback throws: both writes are rolled back. */
export async function transactionDemoAction(target: DataTarget): Promise<ActionResult<DemoView>> {
  return attempt(async () => {
    const module = catalogModule(target.moduleKey);
    const probe = module.probe;
    if (!probe) throw new InputError(`${module.title} has no tables to write to`);
    const { sdk } = await sdkFor(
      module.key,
      uuid(target.siteId, 'site'),
      uuid(target.userId, 'user'),
    );
    const before = await sdk.count(probe.table);
    let inside = before;
    const steps: DemoStep[] = [];
    let error: ActionError | undefined;
    try {
      await sdk.transaction(async (tx) => {
        await tx.createOne(probe.table, probe.record('Transaction'));
        steps.push({ label: `tx.createOne(${probe.table})`, status: 'ran' });
        await tx.createOne(probe.table, probe.record('Transaction'));
        steps.push({ label: `tx.createOne(${probe.table})`, status: 'ran' });
        inside = await tx.count(probe.table);
        steps.push({
          label: `tx.count(${probe.table}) inside the transaction`,
          status: 'ran',
          detail: `${inside} rows`,
        });
        throw new Error('the callback throws: something went wrong after two writes');
      });
    } catch (e) {
      error = toActionError(e);
    }
    const after = await sdk.count(probe.table);
    return {
      title: 'sdk.transaction(async (tx) => { ...; throw })',
      table: probe.table,
      before,
      inside,
      after,
      steps: [
        ...steps.map((s) =>
          s.label.startsWith('tx.createOne') ? { ...s, status: 'rolled back' as const } : s,
        ),
        { label: 'the callback throws', status: 'failed', detail: error?.message ?? '' },
      ],
      ...(error && { error }),
      conclusion: `${before} rows before, ${inside} inside the transaction, ${after} after it: the throw rolled back both writes.`,
    };
  });
}

export interface AdminView {
  readonly total: number;
  readonly perSite: readonly { siteId: string; label: string; count: number }[];
  readonly latest: readonly Record<string, unknown>[];
  readonly columns: readonly string[];
  readonly role: string;
  /** site_id -> "A: Bakery". */
  readonly siteLabels: Readonly<Record<string, string>>;
}

/**
 * The module admin client (server-only): its role is granted this module's tables and nothing
 * else, and its own policy (`dramac_admin_access`) reaches every site's rows of them. Every
 * site's rows, and the same client limited to one site.
 */
export async function adminOverviewAction(
  moduleKey: string,
  table: string,
): Promise<ActionResult<AdminView>> {
  return attempt(async () => {
    const definition = await provisionedDefinition(moduleKey);
    const columns = formColumns(definition, table);
    const db = getDb();
    const admin = createModuleAdminClient({ definition, db, actor: 'playground' });
    const { sites } = await readPlatform();
    const total = await admin.count(table);
    const perSite = [];
    for (const s of sites) {
      const one = createModuleAdminClient({ definition, db, siteId: s.id, actor: 'playground' });
      perSite.push({ siteId: s.id, label: `${s.label}: ${s.name}`, count: await one.count(table) });
    }
    const names = ['id', 'site_id', ...columns.map((c) => c.name)].slice(0, 6);
    // One row of each site first, to show that it reaches them all.
    const latest = await admin.select(table, {
      select: names,
      limit: 6,
      orderBy: [{ column: 'site_id', ascending: false }, { column: 'id' }],
    });
    return {
      total,
      perSite,
      latest,
      columns: names,
      role: admin.context.role,
      siteLabels: Object.fromEntries(sites.map((s) => [s.id, `${s.label}: ${s.name}`])),
    };
  });
}

import 'server-only';
/**
 * Site visitors and widget items for the storefront, through @dramac/module-sdk: the visitor
 * SDK (`createDatabaseSDK({ definition, siteId, visitor: true, transport })`) and widget
 * collections (`sdk.collection(name)`), on the Postgres transport. Each call is one transaction
 * that sets the module's visitor role (claims `{ role, site_id }`, no `sub`) or, for a member,
 * its module role with the user; PostgreSQL decides (column privileges, the visitor and site
 * policies, the module's own restrictive policies, the widget item trigger), and the SDK refuses
 * what a definition does not declare for visitors before any SQL (`VISITOR_NOT_ALLOWED`).
 *
 * The screens call only this file for visitors and widget items, so the page code stays
 * independent of the SDK's static types (table names chosen at run time).
 */
import { validateModuleDefinition } from '@dramac/module-db';
import { createDatabaseSDK } from '@dramac/module-sdk';
import { dataTransport } from './data-transport';
import { provisionedDefinition } from './module-sdk-for';

type AnyRecord = Record<string, unknown>;

/** A widget item as the caller may see it: a visitor gets the visitor-readable fields only. */
export interface WidgetItem {
  readonly id: string;
  readonly key: string;
  readonly value: AnyRecord;
  readonly createdAt: string;
}

/** What a table or collection lets visitors do, from the validated definition. */
export interface VisitorColumns {
  readonly read: readonly string[];
  readonly insert: readonly string[];
}

const MAX_ROWS = 100;

/** The SDK's collection methods as the screens call them (names chosen at run time). */
interface DynamicCollection {
  list(options?: AnyRecord): Promise<{ items: RawItem[]; nextCursor: string | null }>;
  create(value: AnyRecord): Promise<unknown>;
}
interface RawItem {
  readonly id: string;
  readonly key: string;
  readonly value: AnyRecord;
  readonly created_at: string;
}
interface DynamicVisitorSdk {
  find(table: string, options?: AnyRecord): Promise<AnyRecord[]>;
  create(table: string, data: AnyRecord): Promise<number>;
  collection(name: string): DynamicCollection;
}
interface DynamicMemberSdk {
  collection(name: string): DynamicCollection;
}

const toItem = (i: RawItem): WidgetItem => ({
  id: i.id,
  key: i.key,
  value: i.value,
  createdAt: i.created_at,
});

/**
 * What visitors may read and insert in `name` (a table, or a widget's collection), as the
 * installed definition declares it. Empty lists for a members-only table.
 */
export async function visitorColumns(moduleKey: string, name: string): Promise<VisitorColumns> {
  const validated = await validateModuleDefinition(await provisionedDefinition(moduleKey));
  const found =
    validated.tables.find((t) => t.name === name) ??
    (
      validated as { collections?: readonly { name: string; visitors: unknown }[] }
    ).collections?.find((c) => c.name === name);
  const v = (found?.visitors ?? null) as VisitorColumns | null;
  return { read: v?.read ?? [], insert: v?.insert ?? [] };
}

async function visitorSdk(moduleKey: string, siteId: string): Promise<DynamicVisitorSdk> {
  const definition = await provisionedDefinition(moduleKey);
  return createDatabaseSDK({
    definition,
    siteId,
    visitor: true,
    transport: dataTransport(),
  } as never) as unknown as DynamicVisitorSdk;
}

/**
 * A public site's visitor, through one module: reads the declared columns of the current site's
 * rows, inserts the declared columns, lists and adds widget items. No user, no update, no delete.
 *
 * @example
 * const visitor = visitorClient('shop', siteId);
 * await visitor.find('products', { orderBy: 'name' }); // [{ id, sku, name, ... price }]
 * @throws VisitorNotAllowedError for what the definition does not declare for visitors (before
 * any SQL); AccessDeniedError (42501) when PostgreSQL refuses (a site that is not public, a module
 * not installed there).
 */
export function visitorClient(moduleKey: string, siteId: string) {
  return {
    /** The declared columns of the site's rows the policies let through (at most 100). */
    async find(table: string, options: { orderBy?: string } = {}): Promise<AnyRecord[]> {
      const sdk = await visitorSdk(moduleKey, siteId);
      return sdk.find(table, {
        limit: MAX_ROWS,
        ...(options.orderBy && { orderBy: { column: options.orderBy } }),
      });
    },
    /** Inserts a record into the current site; nothing is read back. */
    async insert(table: string, record: AnyRecord): Promise<void> {
      await (await visitorSdk(moduleKey, siteId)).create(table, record);
    },
    /** A widget collection's items: their visitor-readable fields only. */
    async items(collection: string): Promise<WidgetItem[]> {
      const sdk = await visitorSdk(moduleKey, siteId);
      return (await sdk.collection(collection).list({ limit: MAX_ROWS })).items.map(toItem);
    },
    /** Adds an item to a widget collection that admits visitors' items. */
    async insertItem(collection: string, value: AnyRecord): Promise<void> {
      await (await visitorSdk(moduleKey, siteId)).collection(collection).create(value);
    },
  };
}

/**
 * A member's widget items through the widget's SDK (`sdk.collection(name)`): the full item
 * values of the current site.
 *
 * @example
 * await memberWidgetClient('widget', siteId, userId).items('testimonials');
 * @throws AccessDeniedError when the user may not reach the site; ConstraintViolationError
 * (23514) when an item does not fit its collection.
 */
export function memberWidgetClient(moduleKey: string, siteId: string, userId: string) {
  const sdk = async () =>
    createDatabaseSDK({
      definition: await provisionedDefinition(moduleKey),
      siteId,
      userId,
      transport: dataTransport(),
    } as never) as unknown as DynamicMemberSdk;
  return {
    async items(collection: string): Promise<WidgetItem[]> {
      return (await (await sdk()).collection(collection).list({ limit: MAX_ROWS })).items.map(
        toItem,
      );
    },
    async insertItem(collection: string, value: AnyRecord): Promise<string> {
      const item = (await (await sdk()).collection(collection).create(value)) as RawItem;
      return item.id;
    },
  };
}

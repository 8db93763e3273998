import 'server-only';
import { getModuleRegistryEntry } from '@dramac/module-db';
import { createDatabaseSDK, type ModuleDefinitionLike } from '@dramac/module-sdk';
import { InputError } from './action-result';
import { dataTransport } from './data-transport';
import { getDb } from './database';
import { catalogModule, installedDefinition } from './module-catalog';

type AnyRecord = Record<string, unknown>;

/**
 * The SDK's methods as the screens call them, with table and column names chosen at run time
 * (the SDK's static types need literal names; its run-time validation checks them all the same).
 */
export interface DynamicSdk {
  find(table: string, options?: AnyRecord): Promise<AnyRecord[]>;
  findById(table: string, id: string): Promise<AnyRecord | null>;
  createOne(table: string, record: AnyRecord): Promise<AnyRecord>;
  update(table: string, where: AnyRecord, change: AnyRecord): Promise<AnyRecord[]>;
  updateById(table: string, id: string, change: AnyRecord): Promise<AnyRecord | null>;
  delete(table: string, where: AnyRecord): Promise<number>;
  deleteById(table: string, id: string): Promise<boolean>;
  count(table: string, where?: AnyRecord): Promise<number>;
  transaction<T>(fn: (tx: DynamicSdk) => Promise<T>): Promise<T>;
  findPage(
    table: string,
    options: AnyRecord & { limit: number; cursor?: string | null },
  ): Promise<{ rows: AnyRecord[]; nextCursor: string | null }>;
  batch(
    operations: readonly { type: string; table: string; data?: AnyRecord; where?: AnyRecord }[],
    options?: { atomic?: boolean },
  ): Promise<AnyRecord[]>;
}

/** The definition of the version the registry says is installed, or a readable error. */
export async function provisionedDefinition(moduleKey: string): Promise<ModuleDefinitionLike> {
  const module = catalogModule(moduleKey);
  const entry = await getModuleRegistryEntry(getDb(), module.definition.moduleId);
  if (!entry) {
    throw new InputError(
      `${module.title} is not installed: install it on the Modules screen first`,
    );
  }
  return installedDefinition(module, entry.version);
}

/** An SDK for one module, acting for `userId` on `siteId`, over the Postgres transport (metered and rate-limited). */
export async function sdkFor(moduleKey: string, siteId: string, userId: string) {
  const definition = await provisionedDefinition(moduleKey);
  const sdk = createDatabaseSDK({
    definition,
    siteId,
    userId,
    transport: dataTransport(),
  });
  return { definition, sdk: sdk as unknown as DynamicSdk };
}

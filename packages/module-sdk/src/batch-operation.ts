import type {
  AnyModuleDefinition,
  Insert,
  Row,
  TableNames,
  Update,
} from '@dramac/module-db/client';
import type { Where } from './where';

/**
 * One operation of a `batch`, as the seed's `{ type, table, data?, where? }`, typed per table:
 * `create` takes records to insert, `update` a `where` and a change, `delete` a `where`.
 *
 * @example
 * ```ts
 * const ops: BatchOperation<typeof crm>[] = [
 *   { type: 'create', table: 'companies', data: { name: 'Acme' } },
 *   { type: 'update', table: 'contacts', where: { status: 'lead' }, data: { lead_score: 10 } },
 *   { type: 'delete', table: 'deals', where: { stage: 'lost' } },
 * ];
 * ```
 *
 * @throws Never; this is a type.
 */
export type BatchOperation<M extends AnyModuleDefinition> = {
  [N in TableNames<M>]:
    | {
        readonly type: 'create';
        readonly table: N;
        readonly data: Insert<M, N> | readonly Insert<M, N>[];
      }
    | {
        readonly type: 'update';
        readonly table: N;
        readonly where: Where<M, N>;
        readonly data: Update<M, N>;
      }
    | { readonly type: 'delete'; readonly table: N; readonly where: Where<M, N> };
}[TableNames<M>];

/**
 * A row of any table of module `M` (what `batch` returns: created and updated rows).
 *
 * @example
 * ```ts
 * type R = AnyRow<typeof crm>; // Row<crm, 'contacts'> | Row<crm, 'companies'> | ...
 * ```
 *
 * @throws Never; this is a type.
 */
export type AnyRow<M extends AnyModuleDefinition> = {
  [N in TableNames<M>]: Row<M, N>;
}[TableNames<M>];

/**
 * Options of `batch`.
 *
 * @example
 * ```ts
 * await db.batch(ops, { atomic: false }); // Supabase: one request after another, no rollback
 * ```
 *
 * @throws Never; this is a type.
 */
export interface BatchOptions {
  /**
   * `true` (the default): all operations run in one database transaction and a failure rolls
   * every one of them back; a transport without transactions (Supabase) refuses the batch with
   * `NOT_SUPPORTED` before running anything. `false`: the operations run one after another
   * outside a transaction, and those before a failure stay applied. Ask for it knowingly.
   */
  readonly atomic?: boolean;
}

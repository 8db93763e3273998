import type { ValidatedTable } from '../definition/validated-definition';

/**
 * The tables of a definition with every table after the tables its foreign keys point at
 * (parents first), keeping declaration order otherwise. Inserting goes in this order, deleting
 * in the reverse one: module foreign keys are `(site_id, col)` and may be RESTRICT or NO ACTION,
 * so deleting a site's parents before its children could fail. A cycle keeps declaration order
 * for its members.
 */
export function parentsFirst(tables: readonly ValidatedTable[]): readonly ValidatedTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: ValidatedTable[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: ValidatedTable): void => {
    if (state.has(table.name)) return;
    state.set(table.name, 'visiting');
    for (const fk of table.foreignKeys) {
      if (fk.target.kind !== 'module' || fk.target.table === table.name) continue;
      const parent = byName.get(fk.target.table);
      if (parent && !state.has(parent.name)) visit(parent);
    }
    state.set(table.name, 'done');
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return Object.freeze(ordered);
}

import { z } from 'zod';
import type { IssueCollector } from './issue-collector';
import type { CheckedColumn } from './validate-table';

/**
 * The zod schema of what a site's visitors (no signed-in user) may do with a table: `read` the
 * listed columns (`'all'` for every column) of the current site's rows that the module's own
 * policies let through, and `insert` rows that set only the listed columns (the rest take their
 * defaults). Visitors never update or delete. Without `visitors` a table is for members only.
 *
 * @example
 * ```ts
 * VisitorAccessSchema.parse({ read: ['name', 'price'], insert: ['name', 'email', 'message'] });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const VisitorAccessSchema = z
  .object({
    /** Columns visitors may read; `'all'` for every column of the table. */
    read: z
      .union([
        z.literal('all'),
        z.array(z.string()).min(1, { error: 'List at least one column, or leave "read" out.' }),
      ])
      .optional(),
    /** Columns a visitor's insert may set; every other column takes its default. */
    insert: z
      .array(z.string())
      .min(1, { error: 'List at least one column, or leave "insert" out.' })
      .optional(),
  })
  .strict()
  .refine((v) => v.read !== undefined || v.insert !== undefined, {
    error: 'Declare "read", "insert" or both (leave "visitors" out for a members-only table).',
  });

/**
 * What visitors may do with a table, as declared in a definition.
 *
 * @example
 * ```ts
 * const access: VisitorAccess = { read: 'all' };
 * ```
 *
 * @throws Never; this is a type.
 */
export type VisitorAccess = z.infer<typeof VisitorAccessSchema>;

/**
 * Visitor access of a validated table: the columns visitors read and the columns they insert,
 * `'all'` resolved to the table's columns. `site_id` is never listed: it is always the request's
 * site, which visitors filter and insert implicitly.
 *
 * @example
 * ```ts
 * const access: ValidatedVisitorAccess = { read: ['id', 'name', 'price'], insert: [] };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface ValidatedVisitorAccess {
  /** Columns visitors may read, in table order; empty when they read nothing. */
  readonly read: readonly string[];
  /** Columns visitors may set on insert, in table order; empty when they insert nothing. */
  readonly insert: readonly string[];
}

/**
 * Checks a table's `visitors` against its columns: every listed column exists, none twice, not
 * `site_id`, and an insert list covers every column that has neither a default nor null allowed.
 * Internal to validation.
 *
 * @example
 * ```ts
 * const access = checkVisitorAccess(table.visitors, columns, 'tables[0]', issues);
 * ```
 *
 * @throws Never: problems are added to `issues`.
 */
export function checkVisitorAccess(
  declared: VisitorAccess | undefined,
  columns: readonly CheckedColumn[],
  path: string,
  issues: IssueCollector,
): ValidatedVisitorAccess | null {
  if (declared === undefined) return null;
  const names = columns.map((c) => c.name);
  const known = new Set(names);
  const check = (list: readonly string[], key: 'read' | 'insert'): Set<string> => {
    const seen = new Set<string>();
    list.forEach((column, i) => {
      const at = `${path}.visitors.${key}[${i}]`;
      if (column === 'site_id') {
        issues.add(
          at,
          'platform_column',
          `"site_id" is always the request's site: visitors read and insert it implicitly, so do not list it.`,
        );
      } else if (!known.has(column)) {
        issues.add(
          at,
          'unknown_column',
          `Visitors' ${key} list names "${column}", which is not a column of this table (columns: ${names.filter((n) => n !== 'site_id').join(', ')}).`,
        );
      } else if (seen.has(column)) {
        issues.add(at, 'duplicate_name', `Column "${column}" is listed twice.`);
      }
      seen.add(column);
    });
    return seen;
  };
  const read =
    declared.read === 'all'
      ? new Set(names.filter((n) => n !== 'site_id'))
      : check(declared.read ?? [], 'read');
  const insert = check(declared.insert ?? [], 'insert');
  if (declared.insert !== undefined) {
    const missing = columns.filter(
      (c) => c.name !== 'site_id' && !insert.has(c.name) && !c.nullable && c.default === undefined,
    );
    for (const column of missing) {
      issues.add(
        `${path}.visitors.insert`,
        'visitor_insert_incomplete',
        `Visitors' inserts must set "${column.name}": it is NOT NULL and has no default. List it in visitors.insert, or give it a default or make it nullable.`,
      );
    }
  }
  return {
    read: names.filter((n) => read.has(n)),
    insert: names.filter((n) => insert.has(n)),
  };
}

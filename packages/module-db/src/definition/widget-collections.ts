import { z } from 'zod';
import type { IssueCollector } from './issue-collector';
import { type ValidatedVisitorAccess, VisitorAccessSchema } from './visitor-access';

const common = {
  /** The field may be left out of an item. Default: required. */
  optional: z.boolean().optional(),
  /** The field may be `null`. Default: not null. */
  nullable: z.boolean().optional(),
};
const count = z.number().int().min(0).max(1_000_000);

/**
 * The zod schema of one field of a widget's items: a JSON-schema-like description that the
 * database itself checks on every write (`public.module_data`'s item trigger), so a visitor or a
 * module writing past the SDK cannot store an item of another shape.
 *
 * - `string` (`minLength`, `maxLength`, `enum`), `integer` (a safe integer; `minimum`, `maximum`),
 *   `number` (`minimum`, `maximum`), `boolean`, `json` (any JSON value).
 * - `optional: true`: the field may be absent; `nullable: true`: it may be `null`.
 *
 * @example
 * ```ts
 * WidgetFieldSchema.parse({ type: 'integer', minimum: 1, maximum: 5 });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const WidgetFieldSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('string'),
      minLength: count.optional(),
      maxLength: count.optional(),
      enum: z.array(z.string()).min(1).max(1000).optional(),
      ...common,
    })
    .strict(),
  z
    .object({
      type: z.literal('integer'),
      minimum: z.number().int().optional(),
      maximum: z.number().int().optional(),
      ...common,
    })
    .strict(),
  z
    .object({
      type: z.literal('number'),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      ...common,
    })
    .strict(),
  z.object({ type: z.literal('boolean'), ...common }).strict(),
  z.object({ type: z.literal('json'), ...common }).strict(),
]);

/**
 * One field of a widget's items, as declared.
 *
 * @example
 * ```ts
 * const rating: WidgetField = { type: 'integer', minimum: 1, maximum: 5 };
 * ```
 *
 * @throws Never; this is a type.
 */
export type WidgetField = z.infer<typeof WidgetFieldSchema>;

/**
 * The zod schema of a widget collection: the shape of its items (`fields`) and what a public
 * site's visitors may do with them (`visitors`, as on tables: `read` fields or `'all'`, `insert`
 * fields). Items live in `public.module_data`, one collection per name.
 *
 * @example
 * ```ts
 * WidgetCollectionSchema.parse({
 *   fields: { author: { type: 'string', maxLength: 120 }, quote: { type: 'string' } },
 *   visitors: { read: 'all', insert: ['author', 'quote'] },
 * });
 * ```
 *
 * @throws Never when used with `safeParse`; `parse` throws a `ZodError`.
 */
export const WidgetCollectionSchema = z
  .object({
    /** The fields of an item, by name. */
    fields: z.record(z.string(), WidgetFieldSchema),
    /** What a public site's visitors may read and insert; absent: members only. */
    visitors: VisitorAccessSchema.optional(),
  })
  .strict();

/**
 * A widget collection, as declared.
 *
 * @example
 * ```ts
 * const testimonials: WidgetCollection = { fields: { quote: { type: 'string' } } };
 * ```
 *
 * @throws Never; this is a type.
 */
export type WidgetCollection = z.infer<typeof WidgetCollectionSchema>;

/**
 * One validated field: its declaration with `optional` and `nullable` made explicit.
 *
 * @example
 * ```ts
 * const field: ValidatedWidgetField = { name: 'rating', type: 'integer', optional: false, nullable: false, minimum: 1, maximum: 5 };
 * ```
 *
 * @throws Never; this is a type.
 */
export type ValidatedWidgetField = WidgetField & {
  readonly name: string;
  readonly optional: boolean;
  readonly nullable: boolean;
};

/**
 * A validated widget collection: fields in declared order, visitor access resolved (`'all'`
 * becomes every field).
 *
 * @example
 * ```ts
 * definition.collections.map((c) => c.name); // ['testimonials']
 * ```
 *
 * @throws Never; this is a type.
 */
export interface ValidatedWidgetCollection {
  readonly name: string;
  readonly fields: readonly ValidatedWidgetField[];
  readonly visitors: ValidatedVisitorAccess | null;
}

/** Limits of a widget's item shape. */
export const WIDGET_LIMITS = Object.freeze({
  collections: 50,
  fieldsPerCollection: 100,
  /** The largest item the database accepts, as JSON text. */
  itemBytes: 65_536,
});

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a widget's `collections`: names, limits, bounds that can be met, visitor lists naming
 * fields (an insert list must cover every required field). Internal to validation.
 *
 * @example
 * ```ts
 * const collections = checkWidgetCollections(input.collections, 'shared', issues);
 * ```
 *
 * @throws Never: problems are added to `issues`.
 */
export function checkWidgetCollections(
  declared: Record<string, WidgetCollection> | undefined,
  strategy: string | undefined,
  issues: IssueCollector,
): ValidatedWidgetCollection[] {
  if (declared === undefined) return [];
  if (strategy !== undefined && strategy !== 'shared') {
    issues.add(
      'collections',
      'collections_not_allowed',
      `Collections are the item shapes of widgets (strategy "shared"); a module with the "${strategy}" strategy declares tables instead.`,
    );
    return [];
  }
  const names = Object.keys(declared);
  if (names.length > WIDGET_LIMITS.collections) {
    issues.add(
      'collections',
      'definition_too_large',
      `${names.length} collections: at most ${WIDGET_LIMITS.collections} are allowed`,
    );
    return [];
  }
  const out: ValidatedWidgetCollection[] = [];
  for (const name of names) {
    const path = `collections.${name}`;
    if (!NAME.test(name)) {
      issues.add(
        path,
        'invalid_identifier',
        `Collection name "${name}" must be 1-63 characters of a-z, 0-9 and _, not starting with a digit.`,
      );
      continue;
    }
    const collection = declared[name] as WidgetCollection;
    const entries = Object.entries(collection.fields);
    if (entries.length === 0) {
      issues.add(`${path}.fields`, 'no_fields', `Collection "${name}" declares no field.`);
      continue;
    }
    if (entries.length > WIDGET_LIMITS.fieldsPerCollection) {
      issues.add(
        `${path}.fields`,
        'definition_too_large',
        `${entries.length} fields: at most ${WIDGET_LIMITS.fieldsPerCollection} are allowed`,
      );
      continue;
    }
    const fields: ValidatedWidgetField[] = [];
    for (const [field, spec] of entries) {
      const fpath = `${path}.fields.${field}`;
      if (!NAME.test(field)) {
        issues.add(
          fpath,
          'invalid_identifier',
          `Field name "${field}" must be 1-63 characters of a-z, 0-9 and _, not starting with a digit.`,
        );
        continue;
      }
      const low =
        'minLength' in spec ? spec.minLength : 'minimum' in spec ? spec.minimum : undefined;
      const high =
        'maxLength' in spec ? spec.maxLength : 'maximum' in spec ? spec.maximum : undefined;
      if (low !== undefined && high !== undefined && low > high) {
        issues.add(fpath, 'invalid_bounds', `Field "${field}": the lower bound exceeds the upper.`);
      }
      if (
        spec.type === 'integer' &&
        [spec.minimum, spec.maximum].some((b) => b !== undefined && !Number.isSafeInteger(b))
      ) {
        issues.add(fpath, 'invalid_bounds', `Field "${field}": bounds must be safe integers.`);
      }
      if (spec.type === 'string' && spec.enum) {
        const bad = spec.enum.find(
          (v) =>
            (spec.minLength !== undefined && v.length < spec.minLength) ||
            (spec.maxLength !== undefined && v.length > spec.maxLength),
        );
        if (bad !== undefined) {
          issues.add(
            fpath,
            'invalid_bounds',
            `Field "${field}": "${bad}" breaks its own length bounds.`,
          );
        }
      }
      fields.push({
        ...spec,
        name: field,
        optional: spec.optional === true,
        nullable: spec.nullable === true,
      });
    }
    out.push({ name, fields, visitors: checkFieldAccess(collection, fields, path, issues) });
  }
  return out;
}

function checkFieldAccess(
  collection: WidgetCollection,
  fields: readonly ValidatedWidgetField[],
  path: string,
  issues: IssueCollector,
): ValidatedVisitorAccess | null {
  const declared = collection.visitors;
  if (declared === undefined) return null;
  const names = fields.map((f) => f.name);
  const check = (list: readonly string[], key: 'read' | 'insert') => {
    const seen = new Set<string>();
    list.forEach((field, i) => {
      const at = `${path}.visitors.${key}[${i}]`;
      if (!names.includes(field)) {
        issues.add(
          at,
          'unknown_field',
          `Visitors' ${key} list names "${field}", which is not a field of this collection (fields: ${names.join(', ')}).`,
        );
      } else if (seen.has(field)) {
        issues.add(at, 'duplicate_name', `Field "${field}" is listed twice.`);
      }
      seen.add(field);
    });
    return seen;
  };
  const read = declared.read === 'all' ? new Set(names) : check(declared.read ?? [], 'read');
  const insert = check(declared.insert ?? [], 'insert');
  if (declared.insert !== undefined) {
    for (const field of fields) {
      if (!field.optional && !insert.has(field.name)) {
        issues.add(
          `${path}.visitors.insert`,
          'visitor_insert_incomplete',
          `Visitors' inserts must set "${field.name}": it is required. List it in visitors.insert, or make it optional.`,
        );
      }
    }
  }
  return {
    read: names.filter((n) => read.has(n)),
    insert: names.filter((n) => insert.has(n)),
  };
}

import { z } from 'zod';
import { ColumnDefinitionSchema } from './column-definition';
import { ForeignKeyDefinitionSchema } from './foreign-key-definition';
import { IndexDefinitionSchema } from './index-definition';
import { MigrationStepSchema } from './migration-step';
import { ModuleDatabaseConfigSchema } from './module-database-config';
import { RlsPolicyDefinitionSchema } from './rls-policy-definition';
import { TableDefinitionSchema } from './table-definition';
import { VisitorAccessSchema } from './visitor-access';
import { WidgetCollectionSchema, WidgetFieldSchema } from './widget-collections';

/**
 * One kind of object in a module definition (the module itself, a table, a column, a
 * `dropColumn` migration step, ...) with the keys it accepts. Internal to the validator's
 * messages.
 *
 * @example
 * ```ts
 * const level: DefinitionKeyLevel = { label: 'a column', where: 'tables[].columns[]', keys: ['name', 'type'] };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface DefinitionKeyLevel {
  /** For people: `a column`, `a dropColumn migration step`. */
  readonly label: string;
  /** Where such objects are written: `tables[].columns[]`. */
  readonly where: string;
  /** The keys the object accepts, in declaration order. */
  readonly keys: readonly string[];
}

type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

const LEVELS = new Map<AnyObjectSchema, DefinitionKeyLevel>();
const level = (schema: AnyObjectSchema, label: string, where: string) =>
  LEVELS.set(schema, { label, where, keys: Object.keys(schema.shape) });
level(ModuleDatabaseConfigSchema, 'the module definition', '(root)');
level(TableDefinitionSchema, 'a table', 'tables[]');
level(ColumnDefinitionSchema, 'a column', 'tables[].columns[]');
level(IndexDefinitionSchema, 'an index', 'tables[].indexes[]');
level(ForeignKeyDefinitionSchema, 'a foreign key', 'tables[].foreignKeys[]');
level(
  ForeignKeyDefinitionSchema.shape.references,
  "a foreign key's target",
  'tables[].foreignKeys[].references',
);
level(RlsPolicyDefinitionSchema, 'a policy', 'tables[].rlsPolicies[]');
level(VisitorAccessSchema as unknown as AnyObjectSchema, "a table's visitors", 'tables[].visitors');
level(
  WidgetCollectionSchema as unknown as AnyObjectSchema,
  'a widget collection',
  'collections.<name>',
);
level(
  WidgetCollectionSchema.shape.visitors.unwrap() as unknown as AnyObjectSchema,
  "a collection's visitors",
  'collections.<name>.visitors',
);
for (const option of WidgetFieldSchema.options) {
  const type = option.shape.type.value;
  level(
    option as unknown as AnyObjectSchema,
    `a ${type} field`,
    'collections.<name>.fields.<field>',
  );
}
for (const option of MigrationStepSchema.options) {
  const kind = option.shape.kind.value;
  level(option as unknown as AnyObjectSchema, `a ${kind} migration step`, 'migrations[]');
}

/**
 * Every kind of object a definition has, with its keys.
 *
 * @example
 * ```ts
 * definitionKeyLevels().find((l) => l.keys.includes('primaryKey'))?.label; // 'a column'
 * ```
 *
 * @throws Never.
 */
export function definitionKeyLevels(): readonly DefinitionKeyLevel[] {
  return [...LEVELS.values()];
}

/**
 * The kind of object at `path` of `input` (a path as zod reports it), found by walking the
 * definition's schema alongside the input; a migration step's kind is read from the input's
 * `kind`. `undefined` when the path does not lead to an object of the definition.
 *
 * @example
 * ```ts
 * keyLevelAt(['tables', 0, 'columns', 1], input)?.label; // 'a column'
 * keyLevelAt(['migrations', 0], { migrations: [{ kind: 'dropColumn' }] })?.label;
 * // 'a dropColumn migration step'
 * ```
 *
 * @throws Never.
 */
export function keyLevelAt(
  path: readonly PropertyKey[],
  input: unknown,
): DefinitionKeyLevel | undefined {
  let schema: z.ZodType | undefined = ModuleDatabaseConfigSchema;
  let value: unknown = input;
  for (const segment of path) {
    schema = resolve(schema, value);
    if (schema instanceof z.ZodObject && typeof segment === 'string') {
      schema = (schema.shape as Record<string, z.ZodType>)[segment];
    } else if (schema instanceof z.ZodArray && typeof segment === 'number') {
      schema = schema.element as z.ZodType;
    } else if (schema instanceof z.ZodRecord && typeof segment === 'string') {
      schema = schema.valueType as z.ZodType;
    } else {
      return undefined;
    }
    value = isRecord(value) ? value[segment as string] : undefined;
  }
  const target = resolve(schema, value);
  return target instanceof z.ZodObject ? LEVELS.get(target as AnyObjectSchema) : undefined;
}

/**
 * The value at `path` of `input`, or `undefined`.
 *
 * @example
 * ```ts
 * valueAt(['tables', 0, 'name'], { tables: [{ name: 'notes' }] }); // 'notes'
 * ```
 *
 * @throws Never.
 */
export function valueAt(path: readonly PropertyKey[], input: unknown): unknown {
  let value = input;
  for (const segment of path) {
    if (!isRecord(value)) return undefined;
    value = value[segment as string];
  }
  return value;
}

/** Looks through `optional` and picks a discriminated union's option by the value's tag. */
function resolve(schema: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  if (current instanceof z.ZodDiscriminatedUnion) {
    const tag = current.def.discriminator;
    const wanted = isRecord(value) ? value[tag] : undefined;
    return (current.options as readonly z.ZodType[]).find(
      (option) =>
        option instanceof z.ZodObject &&
        (option.shape as Record<string, z.ZodType>)[tag] instanceof z.ZodLiteral &&
        ((option.shape as Record<string, z.ZodLiteral>)[tag] as z.ZodLiteral).values.has(
          wanted as never,
        ),
    );
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * The Data screen's compound filter: groups joined by OR, conditions in a group joined by AND,
 * each condition optionally negated (NOT). Turned into the SDK's `where` (`or` groups and `not`)
 * on the server, and into a readable expression in the page. Pure.
 */
import { InputError } from './action-result';
import { LIMITS } from './limits';

export const FILTER_OPS = [
  ['eq', '='],
  ['neq', '≠'],
  ['gt', '>'],
  ['gte', '≥'],
  ['lt', '<'],
  ['lte', '≤'],
  ['contains', 'contains'],
  ['starts_with', 'starts with'],
  ['in', 'in (a, b, c)'],
  ['is_null', 'is null'],
] as const;
export type FilterOp = (typeof FILTER_OPS)[number][0];

export interface FilterCondition {
  readonly column: string;
  readonly op: FilterOp;
  readonly value: string;
  readonly not: boolean;
}

/** OR of groups; each group is an AND of its conditions. */
export interface FilterSpec {
  readonly groups: readonly (readonly FilterCondition[])[];
}

export const EMPTY_FILTER: FilterSpec = { groups: [[]] };

const LABEL = Object.fromEntries(FILTER_OPS) as Record<FilterOp, string>;

/** `(status = lead and not last_name contains "x") or (lead_score ≥ 50)`. */
export function describeFilter(spec: FilterSpec): string {
  const groups = spec.groups
    .map((g) => g.filter((c) => c.column !== ''))
    .filter((g) => g.length > 0)
    .map((g) =>
      g
        .map((c) => {
          const body =
            c.op === 'is_null'
              ? `${c.column} is null`
              : c.op === 'in'
                ? `${c.column} in (${c.value})`
                : `${c.column} ${LABEL[c.op]} ${JSON.stringify(c.value)}`;
          return c.not ? `not (${body})` : body;
        })
        .join(' and '),
    );
  if (groups.length === 0) return 'every row (no filter)';
  return groups.length === 1 ? (groups[0] as string) : groups.map((g) => `(${g})`).join(' or ');
}

/** `%` and `_` match themselves, not any text: a search for "50%" finds "50%". */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The SDK `where` of a filter. `convert` turns a form string into the column's value (numbers,
 * booleans); what it cannot convert is passed on and the SDK names the bad field.
 */
export function whereOf(
  spec: FilterSpec,
  columns: ReadonlySet<string>,
  convert: (column: string, raw: string) => unknown,
): Record<string, unknown> {
  if (!spec || !Array.isArray(spec.groups))
    throw new InputError('the filter is malformed', 'filter');
  const groups = spec.groups
    .map((g): FilterCondition[] => (Array.isArray(g) ? g.filter((c) => c && c.column !== '') : []))
    .filter((g) => g.length > 0);
  const count = groups.reduce((n, g) => n + g.length, 0);
  if (count > LIMITS.filterConditions) {
    throw new InputError(`at most ${LIMITS.filterConditions} conditions`, 'filter');
  }
  const built = groups.map((g, gi) => {
    // One condition per nested `or` of a single group: a group ANDs them, and two conditions on
    // the same column (a range) cannot share one object key.
    const parts = g.map((c, ci) => {
      const at = `filter.groups[${gi}][${ci}]`;
      if (!columns.has(c.column))
        throw new InputError(`unknown column "${String(c.column).slice(0, 40)}"`, `${at}.column`);
      if (typeof c.value !== 'string' || c.value.length > LIMITS.filterValueChars) {
        throw new InputError(
          `a value is at most ${LIMITS.filterValueChars} characters`,
          `${at}.value`,
        );
      }
      let condition: unknown;
      switch (c.op) {
        case 'is_null':
          condition = null;
          break;
        case 'contains':
          condition = { ilike: `%${escapeLike(c.value)}%` };
          break;
        case 'starts_with':
          condition = { ilike: `${escapeLike(c.value)}%` };
          break;
        case 'in':
          condition = c.value
            .split(',')
            .map((v) => v.trim())
            .filter((v) => v !== '')
            .map((v) => convert(c.column, v));
          break;
        case 'eq':
        case 'neq':
        case 'gt':
        case 'gte':
        case 'lt':
        case 'lte':
          condition = { [c.op]: convert(c.column, c.value) };
          break;
        default:
          throw new InputError(`unknown operator "${String(c.op).slice(0, 20)}"`, `${at}.op`);
      }
      return { [c.column]: c.not ? { not: condition } : condition } as Record<string, unknown>;
    });
    return parts.reduceRight<Record<string, unknown> | undefined>(
      (inner, part) => (inner ? { ...part, or: [inner] } : part),
      undefined,
    ) as Record<string, unknown>;
  });
  if (built.length === 0) return {};
  return built.length === 1 ? (built[0] as Record<string, unknown>) : { or: built };
}

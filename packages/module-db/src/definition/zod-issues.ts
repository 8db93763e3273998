import type { z } from 'zod';
import type { DefinitionIssue } from '../errors';
import { ColumnDefinitionSchema } from './column-definition';
import { ForeignKeyDefinitionSchema } from './foreign-key-definition';
import { formatPath } from './format-path';
import { IndexDefinitionSchema } from './index-definition';
import { ModuleDatabaseConfigSchema } from './module-database-config';
import { RlsPolicyDefinitionSchema } from './rls-policy-definition';
import { TableDefinitionSchema } from './table-definition';

const KNOWN_KEYS: readonly string[] = [
  ...new Set(
    [
      ModuleDatabaseConfigSchema,
      TableDefinitionSchema,
      ColumnDefinitionSchema,
      IndexDefinitionSchema,
      ForeignKeyDefinitionSchema,
      ForeignKeyDefinitionSchema.shape.references,
      RlsPolicyDefinitionSchema,
    ].flatMap((schema) => Object.keys(schema.shape)),
  ),
];

/**
 * Converts zod's issues into {@link DefinitionIssue}s with readable paths. An unknown-keys issue
 * becomes one issue per key, at the key's own path (`tables[0].columns[1].nullabel`), with a
 * suggestion when the key looks like a typo of a known one.
 *
 * Codes are zod's (`invalid_type`, `invalid_value`, `too_small`, ...), except `unknown_key`,
 * `invalid_version` (not semver) and `rls_required` (`enableRLS: false`).
 *
 * @example
 * ```ts
 * const result = ModuleDatabaseConfigSchema.safeParse(input);
 * if (!result.success) console.log(zodIssuesToDefinitionIssues(result.error.issues));
 * ```
 *
 * @throws Never.
 */
export function zodIssuesToDefinitionIssues(
  issues: readonly z.core.$ZodIssue[],
): DefinitionIssue[] {
  const out: DefinitionIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = closestKnownKey(key);
        out.push({
          path: formatPath([...issue.path, key]),
          code: 'unknown_key',
          message:
            `Unknown key ${JSON.stringify(key)}` +
            (suggestion === undefined ? '.' : ` (did you mean ${JSON.stringify(suggestion)}?).`),
        });
      }
      continue;
    }
    const last = issue.path.at(-1);
    let code: string = issue.code;
    if (last === 'enableRLS') code = 'rls_required';
    else if (issue.path.length === 1 && last === 'version' && issue.code === 'invalid_format') {
      code = 'invalid_version';
    }
    out.push({ path: formatPath(issue.path), code, message: issue.message });
  }
  return out;
}

function closestKnownKey(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of KNOWN_KEYS) {
    const distance = levenshtein(key.toLowerCase(), known.toLowerCase());
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

import type { z } from 'zod';
import type { DefinitionIssue } from '../errors';
import {
  type DefinitionKeyLevel,
  definitionKeyLevels,
  keyLevelAt,
  valueAt,
} from './definition-key-levels';
import { formatPath } from './format-path';
import { suggestName } from './suggest-name';

/** Words that mean a key without looking like it; used only where the target key is valid. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  method: 'using',
  policy: 'rlsPolicies',
  rls: 'enableRLS',
  pk: 'primaryKey',
  notNull: 'nullable',
  fields: 'columns',
  cols: 'columns',
  fk: 'foreignKeys',
  steps: 'migrations',
};

/**
 * Converts zod's issues into {@link DefinitionIssue}s with readable paths. An unknown-keys issue
 * becomes one issue per key, at the key's own path (`tables[0].columns[1].nullabel`), saying
 * what kind of object it was found on. With `input` (the definition zod parsed), the message
 * names the key most likely meant among the keys valid *there* (`colums` → `columns`,
 * `policies` → `rlsPolicies`, `primarykey` → `primaryKey`; never the unknown key itself), says
 * where a key that is valid elsewhere belongs (`primaryKey` on a table: it belongs on a column),
 * or lists the valid keys. A wrong migration step `kind` or enum value gets the same kind of
 * suggestion.
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
  input?: unknown,
): DefinitionIssue[] {
  const out: DefinitionIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const level = input === undefined ? undefined : keyLevelAt(issue.path, input);
      for (const key of issue.keys) {
        out.push({
          path: formatPath([...issue.path, key]),
          code: 'unknown_key',
          message: unknownKeyMessage(key, level),
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
    out.push({ path: formatPath(issue.path), code, message: withValueSuggestion(issue, input) });
  }
  return out;
}

/**
 * The message for an unknown `key` found on an object of kind `level` (`undefined`: not known,
 * then every key of the definition counts as "here").
 */
function unknownKeyMessage(key: string, level: DefinitionKeyLevel | undefined): string {
  const levels = definitionKeyLevels();
  const here = level?.keys ?? [...new Set(levels.flatMap((l) => l.keys))];
  const on = level === undefined ? '' : ` on ${level.label}`;
  const quoted = JSON.stringify(key);
  const near = suggestName(key, here, { aliases: KEY_ALIASES });
  // Valid as written, on another kind of object: a key in the wrong place, not a typo.
  const owners = levels.filter((l) => l !== level && l.keys.includes(key));
  const notHere = level === undefined ? '' : `, not on ${level.label}`;
  if (owners.length > 0) {
    const belongs = `${quoted} belongs on ${describeLevels(owners)}${notHere}`;
    return near === undefined
      ? `Unknown key ${quoted}${on}: ${belongs}.`
      : `Unknown key ${quoted}${on} (did you mean ${JSON.stringify(near)}?); ${belongs}.`;
  }
  if (near !== undefined)
    return `Unknown key ${quoted}${on} (did you mean ${JSON.stringify(near)}?).`;
  if (level !== undefined) {
    // A typo of a key that belongs elsewhere, such as `colums` on the module itself.
    const elsewhere = levels.filter((l) => l !== level);
    const far = suggestName(key, [...new Set(elsewhere.flatMap((l) => l.keys))], {
      aliases: KEY_ALIASES,
    });
    if (far !== undefined) {
      const farOwners = elsewhere.filter((l) => l.keys.includes(far));
      return `Unknown key ${quoted}${on}: did you mean ${JSON.stringify(far)}? It belongs on ${describeLevels(farOwners)}${notHere}.`;
    }
    return `Unknown key ${quoted}${on}; its keys are ${level.keys.join(', ')}.`;
  }
  return `Unknown key ${quoted}.`;
}

/** `a column (tables[].columns[]) or an alterType or backfill migration step (migrations[])`. */
function describeLevels(levels: readonly DefinitionKeyLevel[]): string {
  const steps = levels.filter((l) => l.where === 'migrations[]');
  const parts = levels
    .filter((l) => l.where !== 'migrations[]')
    .map((l) => `${l.label} (${l.where})`);
  if (steps.length > 0) {
    const kinds = steps.map((l) => l.label.replace(/^an? /, '').replace(/ migration step$/, ''));
    const article = /^[aeiou]/i.test(kinds[0] ?? '') ? 'an' : 'a';
    parts.push(`${article} ${joinWords(kinds, 'or')} migration step (migrations[])`);
  }
  return joinWords(parts, 'or');
}

function joinWords(words: readonly string[], conjunction: string): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)}`;
}

/**
 * zod's message, plus the allowed value the input most likely meant when the issue is a wrong
 * enum value or migration step kind (`select` → `SELECT`, `renameColum` → `renameColumn`).
 */
function withValueSuggestion(issue: z.core.$ZodIssue, input: unknown): string {
  let allowed: readonly unknown[] | undefined;
  if (issue.code === 'invalid_value') allowed = issue.values;
  else if (
    issue.code === 'invalid_union' &&
    Array.isArray((issue as { options?: unknown }).options)
  ) {
    allowed = (issue as { options: unknown[] }).options;
  }
  if (allowed === undefined || input === undefined) return issue.message;
  const value = valueAt(issue.path, input);
  if (typeof value !== 'string') return issue.message;
  const suggestion = suggestName(
    value,
    allowed.filter((v): v is string => typeof v === 'string'),
  );
  return suggestion === undefined
    ? issue.message
    : `${issue.message} (did you mean ${JSON.stringify(suggestion)}?)`;
}

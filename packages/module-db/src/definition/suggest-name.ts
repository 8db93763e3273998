/**
 * Options of {@link suggestName}.
 *
 * @example
 * ```ts
 * const options: SuggestNameOptions = { aliases: { method: 'using' } };
 * ```
 *
 * @throws Never; this is a type.
 */
export interface SuggestNameOptions {
  /**
   * Words that mean a candidate without looking like it (`method` for an index's `using`). Keys
   * are compared after normalisation; an alias whose target is not a candidate is ignored.
   */
  readonly aliases?: Readonly<Record<string, string>>;
}

/**
 * The candidate `input` was most likely meant to be, or `undefined` when none is close. Never
 * `input` itself: a name that is already a candidate gets no suggestion (whatever made it
 * unknown, the caller must say something else).
 *
 * Tried in order, each on names normalised to lower case without `_` and `-`:
 * 1. the same word in another case or separator style (`primarykey`, `primary_key` →
 *    `primaryKey`);
 * 2. an alias (`method` → `using`);
 * 3. the smallest edit distance, counting a swap of two neighbouring letters as one edit
 *    (`defualt` → `default`, `colums` → `columns`), within 1 edit for names of up to 4
 *    letters, 2 up to 8, and 3 beyond;
 * 4. one name containing the other, at least 4 letters long (`policies` → `rlsPolicies`,
 *    `foreign` → `foreignKeys`), the closest in length first.
 *
 * Ties go to the candidate listed first.
 *
 * @example
 * ```ts
 * suggestName('policies', ['name', 'columns', 'rlsPolicies']); // 'rlsPolicies'
 * suggestName('colour', ['name', 'type']); // undefined
 * ```
 *
 * @throws Never.
 */
export function suggestName(
  input: string,
  candidates: readonly string[],
  options: SuggestNameOptions = {},
): string | undefined {
  if (candidates.includes(input)) return undefined;
  const others = candidates.filter((c) => c !== input);
  const word = normaliseName(input);
  if (word === '') return undefined;
  const normalised = others.map((c) => [c, normaliseName(c)] as const);

  const sameWord = normalised.find(([, n]) => n === word);
  if (sameWord) return sameWord[0];

  for (const [alias, target] of Object.entries(options.aliases ?? {})) {
    if (normaliseName(alias) === word && others.includes(target)) return target;
  }

  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const [candidate, n] of normalised) {
    const distance = editDistance(word, n, bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;

  let closest: string | undefined;
  let closestGap = Number.POSITIVE_INFINITY;
  for (const [candidate, n] of normalised) {
    const [shorter, longer] = word.length <= n.length ? [word, n] : [n, word];
    if (shorter.length < 4 || !longer.includes(shorter)) continue;
    const gap = longer.length - shorter.length;
    if (gap < closestGap) {
      closest = candidate;
      closestGap = gap;
    }
  }
  return closest;
}

/**
 * The optimal-string-alignment distance between `a` and `b`: insertions, deletions,
 * substitutions and swaps of two neighbouring characters each count one (Damerau's observation:
 * most typing errors are one of these four). Stops counting at `cap` (returns `cap` or more once
 * the distance is known to be at least that).
 *
 * @example
 * ```ts
 * editDistance('defualt', 'default'); // 1
 * editDistance('colums', 'columns'); // 1
 * ```
 *
 * @throws Never.
 */
export function editDistance(a: string, b: string, cap = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  // rows[i][j]: distance between the first i characters of a and the first j of b.
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (beforePrevious[j - 2] as number) + 1);
      }
      current[j] = value;
      rowMinimum = Math.min(rowMinimum, value);
    }
    if (rowMinimum >= cap) return cap;
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/** `primary_key`, `Primary-Key` and `primaryKey` are the same word. */
function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

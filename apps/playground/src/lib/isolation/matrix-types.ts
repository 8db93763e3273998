/**
 * The isolation matrix as the page draws it: sections (one per isolation axis), each a grid of
 * rows (who acts) by columns (what they reach), each cell a live outcome with the reasons for it.
 * Plain serialisable data: it comes back from a server action.
 */

/** `leak`: allowed where it must be denied; `unexpected`: denied or failed where it should work. */
export type Outcome = 'allowed' | 'denied' | 'leak' | 'unexpected';

export interface MatrixCell {
  readonly row: string;
  readonly column: string;
  readonly expected: 'allowed' | 'denied';
  readonly outcome: Outcome;
  /** A few words for the cell itself. */
  readonly short: string;
  /** What happened, one line. */
  readonly detail: string;
  /** Why PostgreSQL allowed or denied it: the grants, policies and memberships involved. */
  readonly why: readonly string[];
}

export interface MatrixRow {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  /** Consecutive rows with the same group share one group cell (e.g. the user). */
  readonly group?: string;
}

export interface MatrixColumnGroup {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly columns: readonly { readonly id: string; readonly title: string }[];
}

export interface MatrixSection {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly groupHeader?: string;
  readonly rowHeader: string;
  readonly rows: readonly MatrixRow[];
  readonly columnGroups: readonly MatrixColumnGroup[];
  readonly cells: readonly MatrixCell[];
  /** What is left out and why (a module not installed, a widget). */
  readonly skipped: readonly string[];
  readonly tookMs: number;
}

/** An axis the matrix does not cover yet, and why (shown, never faked). */
export interface PendingAxis {
  readonly title: string;
  readonly reason: string;
}

export interface MatrixReport {
  readonly sections: readonly MatrixSection[];
  readonly pending: readonly PendingAxis[];
  readonly tookMs: number;
}

/** Counts of each outcome in a section. */
export function tally(cells: readonly MatrixCell[]): Record<Outcome, number> {
  const out: Record<Outcome, number> = { allowed: 0, denied: 0, leak: 0, unexpected: 0 };
  for (const c of cells) out[c.outcome]++;
  return out;
}

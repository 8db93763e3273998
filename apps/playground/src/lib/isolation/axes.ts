import 'server-only';
import type { MatrixSection, PendingAxis } from './matrix-types';
import { runModuleAxis } from './module-axis';
import { runSiteAxis } from './site-axis';
import { runVisitorAxis } from './visitor-axis';
import { runWidgetAxis } from './widget-axis';

/**
 * One axis of the isolation matrix: who acts (rows) against what (columns), run live.
 *
 * The extension point: an axis is a function that runs its cells against the database and
 * returns a section; the page draws every section the same way. The visitor and widget rows run
 * through playground-local probes in raw SQL with the role and claims the transports set (their
 * statements are ones the SDK would never send: an unlisted column, an update as a visitor).
 */
export interface MatrixAxis {
  readonly id: string;
  run(): Promise<MatrixSection>;
}

export const AXES: readonly MatrixAxis[] = [
  { id: 'site-axis', run: runSiteAxis },
  { id: 'module-axis', run: runModuleAxis },
  { id: 'visitor-axis', run: runVisitorAxis },
  { id: 'widget-axis', run: runWidgetAxis },
];

/** Axes not covered yet (shown, never faked); none left. */
export const PENDING_AXES: readonly PendingAxis[] = [];

import 'server-only';
import type { MatrixSection, PendingAxis } from './matrix-types';
import { runModuleAxis } from './module-axis';
import { runSiteAxis } from './site-axis';

/**
 * One axis of the isolation matrix: who acts (rows) against what (columns), run live.
 *
 * This is the extension point for the axes still to come. When @dramac/module-sdk exposes the
 * visitor API (a site's anonymous visitors reaching the columns a table declares for them) and
 * the widget data API (rows in `public.module_data`), add an axis here that runs them the same
 * way: a row per visitor or widget, a column per table, each cell the live outcome with its
 * reasons. Until then they are listed in {@link PENDING_AXES}, not simulated.
 */
export interface MatrixAxis {
  readonly id: string;
  run(): Promise<MatrixSection>;
}

export const AXES: readonly MatrixAxis[] = [
  { id: 'site-axis', run: runSiteAxis },
  { id: 'module-axis', run: runModuleAxis },
];

export const PENDING_AXES: readonly PendingAxis[] = [
  {
    title: 'Visitor rows',
    reason:
      "a site's anonymous visitors reaching the columns a table declares for them: the visitor API is not in @dramac/module-sdk yet",
  },
  {
    title: 'Widget rows',
    reason:
      'widgets reading and writing their rows in public.module_data: the widget data API is not in @dramac/module-sdk yet',
  },
];

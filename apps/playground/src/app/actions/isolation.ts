'use server';

import { type ActionResult, attempt } from '../../lib/action-result';
import type { MatrixReport } from '../../lib/isolation/matrix-types';
import { runIsolationMatrix } from '../../lib/isolation/run-matrix';

/** Runs the live isolation matrix, every axis. */
export async function runMatrixAction(): Promise<ActionResult<MatrixReport>> {
  return attempt(runIsolationMatrix);
}

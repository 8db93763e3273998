import 'server-only';
import { AXES, PENDING_AXES } from './axes';
import type { MatrixReport } from './matrix-types';

/** Runs every axis of the isolation matrix, one after the other (they share the pool). */
export async function runIsolationMatrix(): Promise<MatrixReport> {
  const started = Date.now();
  const sections = [];
  for (const axis of AXES) sections.push(await axis.run());
  return { sections, pending: PENDING_AXES, tookMs: Date.now() - started };
}

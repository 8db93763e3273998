'use server';

import { type ActionResult, attempt } from '../../lib/action-result';
import { runBreakage } from '../../lib/sabotage';

/** Breaks (or restores) one thing behind the registry's back, for the Health screen's demo. */
export async function breakageAction(
  moduleKey: string,
  id: string,
  undo: boolean,
): Promise<ActionResult<string>> {
  return attempt(async () => `Ran: ${await runBreakage(moduleKey, id, undo)}`);
}

import type { ActionResult } from './action-result';
import { formatBytes } from './limits';

/** A size check made in the page before an action is called. */
export interface SizeCheck {
  /** What is measured, for the message: "The definition". */
  readonly what: string;
  readonly bytes: number;
  readonly limit: number;
}

/**
 * Calls a Server Action from the page so that nothing can crash the screen: an input over its
 * stated limit is refused before anything is sent, and a request that fails on the way (Next's
 * body limit, a lost connection, a server restart) comes back as an inline error like any other.
 * The caller's form state is untouched either way, so no input is lost.
 */
export async function callAction<T>(
  action: () => Promise<ActionResult<T>>,
  size?: SizeCheck,
): Promise<ActionResult<T>> {
  if (size && size.bytes > size.limit) {
    return {
      ok: false,
      error: {
        code: 'INPUT_TOO_LARGE',
        message: `${size.what} is ${formatBytes(size.bytes)}; the limit is ${formatBytes(size.limit)}. Nothing was sent, and your input is kept.`,
      },
    };
  }
  try {
    return await action();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: {
        code: 'REQUEST_FAILED',
        message: `The request did not complete (${reason.slice(0, 200)}). Your input is kept; try again.`,
      },
    };
  }
}

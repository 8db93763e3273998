import { isModuleDbError } from '@dramac/module-sdk';

/** An error as the screens show it: the stable code first, then what and where. */
export interface ActionError {
  readonly code: string;
  readonly message: string;
  readonly path?: string;
  readonly sqlstate?: string;
  readonly issues?: readonly { path: string; code: string; message: string }[];
}

/** What every server action returns: a value, or an error to show next to the form. */
export type ActionResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ActionError };

/** Playground-level input errors (before anything reaches a package). */
export class InputError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Turns any thrown value into an {@link ActionError}: module-db errors keep their code. */
export function toActionError(error: unknown): ActionError {
  if (error instanceof InputError) {
    return {
      code: 'INVALID_INPUT',
      message: error.message,
      ...(error.path && { path: error.path }),
    };
  }
  if (isModuleDbError(error)) {
    const json = error.toJSON() as Record<string, unknown>;
    const issues = Array.isArray(json.issues)
      ? (json.issues as { path: string; code: string; message: string }[]).map((i) => ({
          path: String(i.path),
          code: String(i.code),
          message: String(i.message),
        }))
      : undefined;
    return {
      code: error.code,
      message: error.message,
      ...(typeof json.path === 'string' && { path: json.path }),
      ...(typeof json.sqlstate === 'string' && { sqlstate: json.sqlstate }),
      ...(issues && { issues }),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'ERROR', message };
}

/** Runs `fn` and wraps its outcome; nothing thrown reaches the client as a stack trace. */
export async function attempt<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: toActionError(error) };
  }
}

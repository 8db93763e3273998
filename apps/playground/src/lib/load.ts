import 'server-only';

/** Loads a screen's data, or returns a message to show instead of a server error page. */
export async function load<T>(fn: () => Promise<T>): Promise<{ data: T } | { failure: string }> {
  try {
    return { data: await fn() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { failure: message.split('\n')[0] ?? 'unknown error' };
  }
}

/**
 * Stable error codes. Branch on `code`, never on `message`: messages may be reworded, codes
 * only change with a major version.
 */
export type ModuleNamingErrorCode =
  | 'INVALID_MODULE_ID'
  | 'INVALID_SHORT_ID'
  | 'INVALID_SCHEMA_NAME'
  | 'INVALID_ROLE_NAME'
  | 'INVALID_STRATEGY'
  | 'INVALID_IDENTIFIER'
  | 'RESERVED_WORD'
  | 'RESERVED_PREFIX'
  | 'IDENTIFIER_TOO_LONG'
  | 'INVALID_ARGUMENT';

/** Options accepted by the {@link ModuleNamingError} constructor. */
export interface ModuleNamingErrorOptions {
  /** The offending input; stored as a display string of at most ~100 characters. */
  value?: unknown;
  /** Where the value came from in the caller's data, such as `tables[2].name`. */
  path?: string | undefined;
  /** The underlying error, if any (ES2022 `cause`). */
  cause?: unknown;
}

/** The JSON form of a {@link ModuleNamingError}, as returned by `toJSON()`. */
export interface ModuleNamingErrorJSON {
  name: 'ModuleNamingError';
  code: ModuleNamingErrorCode;
  message: string;
  value: string;
  path?: string;
}

// A registered symbol, not a module-local one: two installed copies of this package (or two
// bundles) must still recognise each other's errors, which `instanceof` cannot do.
const BRAND: unique symbol = Symbol.for('dramac.module-naming.error');
const MAX_DISPLAY_CHARS = 100;

/**
 * The only error type thrown by `@dramac/module-naming`.
 *
 * @example
 * ```ts
 * try {
 *   generateModuleShortId('not-a-uuid');
 * } catch (e) {
 *   if (isModuleNamingError(e) && e.code === 'INVALID_MODULE_ID') console.error(e.message);
 * }
 * ```
 *
 * @throws Never; constructing the error does not throw.
 */
export class ModuleNamingError extends Error {
  override readonly name = 'ModuleNamingError' as const;
  /** Stable machine-readable reason. */
  readonly code: ModuleNamingErrorCode;
  /** The offending input as a display string, truncated to about 100 characters. */
  readonly value: string;
  /**
   * Where the value came from, such as `tables[2].name`. Writable so that callers validating
   * nested data can attach the path to an error raised deeper down.
   */
  path: string | undefined;
  readonly [BRAND] = true;

  constructor(
    code: ModuleNamingErrorCode,
    message: string,
    options: ModuleNamingErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.value = displayValue(options.value);
    this.path = options.path;
  }

  /**
   * A plain, serialisable description of the error (the `cause` is left out: it may not be
   * serialisable).
   *
   * @example
   * ```ts
   * JSON.stringify(error); // {"name":"ModuleNamingError","code":"RESERVED_WORD",...}
   * ```
   *
   * @throws Never.
   */
  toJSON(): ModuleNamingErrorJSON {
    const json: ModuleNamingErrorJSON = {
      name: this.name,
      code: this.code,
      message: this.message,
      value: this.value,
    };
    if (this.path !== undefined) json.path = this.path;
    return json;
  }
}

/**
 * Whether `e` is a {@link ModuleNamingError}, from this or any other installed copy of the
 * package (checks a registered brand, not only `instanceof`).
 *
 * @example
 * ```ts
 * if (isModuleNamingError(e)) console.log(e.code, e.path);
 * ```
 *
 * @throws Never.
 */
export function isModuleNamingError(e: unknown): e is ModuleNamingError {
  return (
    e instanceof ModuleNamingError ||
    (typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true)
  );
}

/** Renders any input as a short string for messages; never throws. */
export function displayValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : `<${typeof value}> ${String(value)}`;
  } catch {
    text = `<${typeof value}>`;
  }
  return text.length > MAX_DISPLAY_CHARS ? `${text.slice(0, MAX_DISPLAY_CHARS)}…` : text;
}

/** Quotes a value for an error message. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(displayValue(value)) : displayValue(value);
}

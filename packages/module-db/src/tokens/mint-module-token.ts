import {
  generateModuleShortId,
  getModuleRoleName,
  getModuleVisitorRoleName,
  normalizeModuleId,
} from '@dramac/module-naming';
import { jwtVerify, SignJWT } from 'jose';
import { QueryValidationError } from '../errors';

/** The longest a module token may live: one day. */
export const MAX_MODULE_TOKEN_SECONDS = 86_400;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Options of {@link mintModuleToken}. */
export interface MintModuleTokenOptions {
  /**
   * The JWT secret PostgREST verifies tokens with (Supabase: the project's JWT secret), at least
   * 32 bytes. HS256.
   */
  readonly secret: string | Uint8Array;
  /** The module the request acts as: its id, or its definition (anything with `moduleId`). */
  readonly module: string | { readonly moduleId: string };
  /** The site the request is for (the `site_id` claim every module policy reads). */
  readonly siteId: string;
  /**
   * The signed-in user (`sub`): a member of the site's agency, whom the platform has
   * authenticated. Leave it out for a **visitor** token: the request then runs as the module's
   * visitor role and reaches only what the module declares for visitors, on a public site.
   */
  readonly userId?: string;
  /** Seconds until the token expires; default 3600, at most {@link MAX_MODULE_TOKEN_SECONDS}. */
  readonly expiresIn?: number;
  /** The `aud` claim (Supabase's PostgREST accepts `authenticated`); default: none. */
  readonly audience?: string;
  /** The `iss` claim; default: none. */
  readonly issuer?: string;
  /** The current time (seconds since the epoch), for tests; default: now. */
  readonly now?: number;
}

/**
 * The claims of a module token, as PostgREST hands them to PostgreSQL (`request.jwt.claims`).
 *
 * @example
 * const claims: ModuleTokenClaims = { role: 'modvisitor_c7a1e0b2', site_id: siteId, iat: 1, exp: 3601 };
 */
export interface ModuleTokenClaims {
  /** `modrole_<id>` for a member, `modvisitor_<id>` for a visitor: PostgREST runs `SET ROLE` to it. */
  readonly role: string;
  readonly site_id: string;
  /** The member's user id; absent for a visitor. */
  readonly sub?: string;
  readonly iat: number;
  readonly exp: number;
  readonly aud?: string;
  readonly iss?: string;
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (!(bytes instanceof Uint8Array) || bytes.length < 32) {
    throw new QueryValidationError('the JWT secret must be at least 32 bytes', 'secret');
  }
  return bytes;
}

/**
 * Mints the JWT a browser or edge client sends to PostgREST (Supabase) to act as one module on one
 * site, signed with `jose` (HS256). With `userId`: a member token (`role: modrole_<id>`, `sub`,
 * `site_id`), whose rows PostgreSQL still filters to the sites of the user's agency where the
 * module is installed. Without: a visitor token (`role: modvisitor_<id>`, `site_id`, no `sub`),
 * which reaches only the columns and collections the module declares for visitors, and only while
 * the site is public (`setSitePublic`) and the module installed on it.
 *
 * The token only chooses the role and claims: every rule is PostgreSQL's. Keep member tokens short
 * (they stand for a user); visitor tokens are as public as the page that embeds them.
 *
 * PostgREST must verify them with the same secret (`jwt-secret`; Supabase does), its
 * `authenticator` must be a member of `dramac_data_api` (platform migration 2 grants it where the
 * role exists), and the module's schema must be exposed (`db-schemas`, see
 * `syncPostgrestSchemas`). See docs/visitors-and-widgets.md.
 *
 * @example
 * const token = await mintModuleToken({ secret: process.env.SUPABASE_JWT_SECRET!, module: shop, siteId });
 * const supabase = createClient(url, anonKey, { accessToken: async () => token });
 * @throws QueryValidationError (`INVALID_QUERY`, naming the option) for a module or site id that
 * is not a UUID, a user id that is not one, a secret shorter than 32 bytes, or an expiry that is
 * not 1 to 86400 seconds.
 */
export async function mintModuleToken(options: MintModuleTokenOptions): Promise<string> {
  const raw = typeof options.module === 'string' ? options.module : options.module?.moduleId;
  let moduleId: string;
  try {
    moduleId = normalizeModuleId(raw as string);
  } catch {
    throw new QueryValidationError('module must be a module id (UUID) or a definition', 'module');
  }
  if (typeof options.siteId !== 'string' || !UUID.test(options.siteId)) {
    throw new QueryValidationError('siteId must be a UUID', 'siteId');
  }
  if (
    options.userId !== undefined &&
    (typeof options.userId !== 'string' || !UUID.test(options.userId))
  ) {
    throw new QueryValidationError('userId must be a UUID (leave it out for a visitor)', 'userId');
  }
  const expiresIn = options.expiresIn ?? 3600;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_MODULE_TOKEN_SECONDS) {
    throw new QueryValidationError(
      `expiresIn must be a whole number of seconds from 1 to ${MAX_MODULE_TOKEN_SECONDS}`,
      'expiresIn',
    );
  }
  const key = secretBytes(options.secret);
  const shortId = generateModuleShortId(moduleId);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    role:
      options.userId === undefined ? getModuleVisitorRoleName(shortId) : getModuleRoleName(shortId),
    site_id: options.siteId.toLowerCase(),
  };
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn);
  if (options.userId !== undefined) jwt = jwt.setSubject(options.userId.toLowerCase());
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  return jwt.sign(key);
}

/**
 * Verifies a module token as PostgREST would (HS256 signature, expiry, and `aud` when given) and
 * returns its claims: for the platform's own checks and tests.
 *
 * @example
 * const claims = await verifyModuleToken(token, { secret });
 * claims.role; // 'modvisitor_c7a1e0b2'
 * @throws QueryValidationError (`INVALID_QUERY`, path `token`) when the signature, expiry,
 * audience or claims do not hold.
 */
export async function verifyModuleToken(
  token: string,
  options: {
    readonly secret: string | Uint8Array;
    readonly audience?: string;
    readonly now?: number;
  },
): Promise<ModuleTokenClaims> {
  try {
    const { payload } = await jwtVerify(token, secretBytes(options.secret), {
      algorithms: ['HS256'],
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      ...(options.now !== undefined ? { currentDate: new Date(options.now * 1000) } : {}),
    });
    if (
      typeof payload.role !== 'string' ||
      !/^mod(role|visitor)_[a-f0-9]{8}$/.test(payload.role) ||
      typeof payload.site_id !== 'string' ||
      !UUID.test(payload.site_id)
    ) {
      throw new Error('not a module token (role, site_id)');
    }
    return payload as unknown as ModuleTokenClaims;
  } catch (error) {
    if (error instanceof QueryValidationError) throw error;
    throw new QueryValidationError(`invalid module token: ${(error as Error).message}`, 'token', {
      cause: error,
    });
  }
}

/**
 * Module tokens (issue 14, item 2): the JWTs the platform mints for PostgREST (Supabase), for a
 * member or a visitor of one site, acting as one module. PostgREST cannot run on this machine (no
 * binary in Debian or npm), so its part is played here exactly as it works: verify the token with
 * the shared secret, then, as the `authenticator` login, `SET LOCAL ROLE` to the token's role and
 * set `request.jwt.claims` to its claims. Everything after that is PostgreSQL's.
 */
import { randomUUID } from 'node:crypto';
import { startTestDatabase, type TestDatabase } from '@dramac/test-db';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installModuleForSite,
  isModuleDbError,
  MAX_MODULE_TOKEN_SECONDS,
  migratePlatform,
  mintModuleToken,
  provisionModuleDatabase,
  setSitePublic,
  verifyModuleToken,
} from '../src/index';
import { rejectionOf } from './module-request';

const secret = 'a-test-secret-of-at-least-32-bytes-long!';
let tdb: TestDatabase;
let db: Kysely<any>;
let siteA: string;
let siteB: string;
let userA: string;
let shop: any;
let table: string;

beforeAll(async () => {
  tdb = await startTestDatabase();
  db = tdb.db as Kysely<any>;
  await migratePlatform(db);
  const agencyA = await tdb.factory.agency();
  siteA = await tdb.factory.site(agencyA);
  siteB = await tdb.factory.site(await tdb.factory.agency());
  userA = await tdb.factory.user();
  await tdb.factory.member(agencyA, userA);
  shop = {
    moduleId: randomUUID(),
    moduleType: 'app',
    version: '1.0.0',
    tables: [
      {
        name: 'products',
        columns: [
          { name: 'name', type: 'text' },
          { name: 'cost', type: 'numeric', nullable: true },
        ],
        visitors: { read: ['name'] },
      },
    ],
  };
  const result = await provisionModuleDatabase(db, shop);
  table = `public.mod_${result.shortId}_products`;
  for (const site of [siteA, siteB]) {
    await installModuleForSite(db, shop.moduleId, site);
    await sql
      .raw(
        `insert into ${table} (site_id, name, cost) values ('${site}', 'p-${site.slice(0, 4)}', 3)`,
      )
      .execute(db);
  }
  await setSitePublic(db, siteA, true);
});

afterAll(() => tdb?.destroy());

/** What PostgREST does with a request's token: verify it, then run the query as its role. */
async function asPostgrest(token: string, query: string): Promise<Record<string, unknown>[]> {
  const claims = await verifyModuleToken(token, { secret });
  return db.transaction().execute(async (trx) => {
    await sql`set local session authorization authenticator`.execute(trx);
    await sql`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true), set_config('role', ${claims.role}, true)`.execute(
      trx,
    );
    return (await sql.raw(query).execute(trx)).rows as Record<string, unknown>[];
  });
}

describe('mintModuleToken', () => {
  it('mints a visitor token: the visitor role, the site, no user, HS256, an expiry', async () => {
    const token = await mintModuleToken({ secret, module: shop, siteId: siteA, now: 1000 });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      role: `modvisitor_${shop.moduleId.replaceAll('-', '').slice(0, 8)}`,
      site_id: siteA,
      iat: 1000,
      exp: 4600,
    });
  });

  it('mints a member token: the module role, the site and the user (sub), with aud and iss', async () => {
    const token = await mintModuleToken({
      secret,
      module: shop.moduleId.toUpperCase(),
      siteId: siteA,
      userId: userA,
      audience: 'authenticated',
      issuer: 'platform',
      expiresIn: 60,
    });
    const claims = await verifyModuleToken(token, { secret, audience: 'authenticated' });
    expect(claims).toMatchObject({
      role: `modrole_${shop.moduleId.replaceAll('-', '').slice(0, 8)}`,
      site_id: siteA,
      sub: userA,
      aud: 'authenticated',
      iss: 'platform',
    });
    expect(claims.exp - claims.iat).toBe(60);
  });

  it.each([
    ['a module id that is not a UUID', { module: 'crm' }, 'module'],
    ['a site id that is not a UUID', { siteId: 'site-a' }, 'siteId'],
    ['a user id that is not a UUID', { userId: 'ada' }, 'userId'],
    ['a short secret', { secret: 'short' }, 'secret'],
    ['an expiry of 0', { expiresIn: 0 }, 'expiresIn'],
    ['an expiry over a day', { expiresIn: MAX_MODULE_TOKEN_SECONDS + 1 }, 'expiresIn'],
  ])('refuses %s with a typed error naming it', async (_what, patch, path) => {
    const error = await rejectionOf(
      mintModuleToken({ secret, module: shop, siteId: siteA, ...(patch as object) }),
    );
    expect(isModuleDbError(error) && error.code).toBe('INVALID_QUERY');
    expect(error.path).toBe(path);
  });

  it('verification refuses another secret, an expired token, another audience, and a token that is not a module’s', async () => {
    const token = await mintModuleToken({ secret, module: shop, siteId: siteA, audience: 'a' });
    const bad = [
      () => verifyModuleToken(token, { secret: `${secret}-other` }),
      () => verifyModuleToken(token, { secret, now: Math.floor(Date.now() / 1000) + 7200 }),
      () => verifyModuleToken(token, { secret, audience: 'b' }),
      async () =>
        verifyModuleToken(
          await new SignJWT({ role: 'service_role', site_id: siteA })
            .setProtectedHeader({ alg: 'HS256' })
            .setExpirationTime('1h')
            .sign(new TextEncoder().encode(secret)),
          { secret },
        ),
    ];
    for (const attempt of bad) {
      const error = await rejectionOf(attempt());
      expect(error.code).toBe('INVALID_QUERY');
      expect(error.path).toBe('token');
    }
  });
});

describe('tokens through PostgREST’s steps (authenticator, SET ROLE, request.jwt.claims)', () => {
  it('a visitor token of a public site reads the declared columns of that site only', async () => {
    const token = await mintModuleToken({ secret, module: shop, siteId: siteA });
    expect(await asPostgrest(token, `select name from ${table}`)).toEqual([
      { name: `p-${siteA.slice(0, 4)}` },
    ]);
    const error = await rejectionOf(asPostgrest(token, `select cost from ${table}`));
    expect(error.code).toBe('42501');
  });

  it('a visitor token of a site that is not public reads nothing', async () => {
    const token = await mintModuleToken({ secret, module: shop, siteId: siteB });
    expect(await asPostgrest(token, `select name from ${table}`)).toEqual([]);
  });

  it('a member token reads every column of the member’s site', async () => {
    const token = await mintModuleToken({ secret, module: shop, siteId: siteA, userId: userA });
    expect(await asPostgrest(token, `select name, cost from ${table}`)).toEqual([
      { name: `p-${siteA.slice(0, 4)}`, cost: '3' },
    ]);
    // The same user on a site of another agency: nothing.
    const other = await mintModuleToken({ secret, module: shop, siteId: siteB, userId: userA });
    expect(await asPostgrest(other, `select name from ${table}`)).toEqual([]);
  });
});

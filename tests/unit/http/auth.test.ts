import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../lib/config.js';
import { makeAuthenticator } from '../../../lib/http/auth.js';

// Tokens minted here with jose and keys generated per run; the authenticator trusts an inline JWKS
// (as locally) or one served over HTTP on loopback (as the identity provider's URL on AWS).
const ISSUER = 'https://id.example.com/';
const AUDIENCE = 'byob-api';

interface SigningKey {
  alg: 'ES256' | 'RS256';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const signingKey = async (alg: SigningKey['alg'], kid: string): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
};

let es: SigningKey;
let rs: SigningKey;
let stranger: SigningKey;

beforeAll(async () => {
  [es, rs, stranger] = await Promise.all([signingKey('ES256', 'es-1'), signingKey('RS256', 'rs-1'), signingKey('ES256', 'es-1')]);
});

const authConfig = (over: Partial<Config['auth']> = {}): Config['auth'] => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  jwks: JSON.stringify({ keys: [es.publicJwk, rs.publicJwk] }),
  jwksUrl: undefined,
  tenantClaim: 'tenant',
  ...over,
});

const now = () => Math.floor(Date.now() / 1000);

/** A token for `claims` signed by `key`: issuer, audience and a 1 h expiry unless overridden. */
const mint = (claims: JWTPayload = { tenant: 'acme' }, o: { key?: SigningKey; iss?: string; aud?: string; exp?: number } = {}) => {
  const key = o.key ?? es;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(o.exp ?? now() + 3600)
    .sign(key.privateKey);
};

const bearer = async (...args: Parameters<typeof mint>) => `Bearer ${await mint(...args)}`;

describe('makeAuthenticator', () => {
  it('answers the tenant claim of a valid token, signed with ES256 or RS256', async () => {
    const authenticate = makeAuthenticator(authConfig());

    expect(await authenticate(await bearer({ tenant: 'acme' }))).toBe('acme');
    expect(await authenticate(await bearer({ tenant: 'globex_2' }, { key: rs }))).toBe('globex_2');
  });

  it('reads the tenant from the claim the configuration names', async () => {
    const authenticate = makeAuthenticator(authConfig({ tenantClaim: 'https://byob.dev/org' }));

    expect(await authenticate(await bearer({ 'https://byob.dev/org': 'initech', tenant: 'acme' }))).toBe('initech');
  });

  it('allows 5 s of clock skew on expiry, not more', async () => {
    const authenticate = makeAuthenticator(authConfig());

    expect(await authenticate(await bearer({ tenant: 'acme' }, { exp: now() - 2 }))).toBe('acme');
    await expect(authenticate(await bearer({ tenant: 'acme' }, { exp: now() - 30 }))).rejects.toMatchObject({ status: 401 });
  });

  it.each<[string, () => Promise<string>]>([
    ['an expired token', () => bearer({ tenant: 'acme' }, { exp: now() - 3600 })],
    ['another issuer', () => bearer({ tenant: 'acme' }, { iss: 'https://evil.example.com/' })],
    ['another audience', () => bearer({ tenant: 'acme' }, { aud: 'some-other-api' })],
    ['a key the JWKS does not hold, under a kid it does', () => bearer({ tenant: 'acme' }, { key: stranger })],
    [
      'a payload changed after signing',
      async () => {
        const [header, , signature] = (await mint({ tenant: 'acme' })).split('.');
        const forged = Buffer.from(JSON.stringify({ tenant: 'globex', iss: ISSUER, aud: AUDIENCE, exp: now() + 3600 })).toString('base64url');
        return `Bearer ${header}.${forged}.${signature}`;
      },
    ],
    [
      'an HS256 token keyed with the public key',
      async () =>
        `Bearer ${await new SignJWT({ tenant: 'acme' })
          .setProtectedHeader({ alg: 'HS256', kid: es.kid })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(JSON.stringify(es.publicJwk)))}`,
    ],
  ])('refuses %s with 401, the token named invalid', async (_name, header) => {
    const authenticate = makeAuthenticator(authConfig());

    const error = await authenticate(await header()).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'UnauthorizedError', status: 401, message: 'The bearer token is invalid or expired.' });
  });

  it.each<[string, JWTPayload]>([
    ['missing', { sub: 'user@acme' }],
    ['not a string', { tenant: 42 }],
    ['not a tenant id (upper case)', { tenant: 'Acme' }],
    ['not a tenant id (a path)', { tenant: 'acme/../globex' }],
    ['empty', { tenant: '' }],
    ['too long', { tenant: 'a'.repeat(64) }],
  ])('refuses a valid token whose tenant claim is %s with 401, naming the claim', async (_name, claims) => {
    const authenticate = makeAuthenticator(authConfig());

    await expect(authenticate(await bearer(claims))).rejects.toMatchObject({
      status: 401,
      message: "The token's tenant claim is missing or not a tenant id.",
    });
  });

  it.each<[string, string | undefined]>([
    ['no Authorization header', undefined],
    ['an empty one', ''],
    ['Basic credentials', 'Basic YWNtZTpzZWNyZXQ='],
    ['a bearer that is not a JWT', 'Bearer opaque-token'],
    ['an unsigned JWT (alg none)', 'Bearer eyJhbGciOiJub25lIn0.eyJ0ZW5hbnQiOiJhY21lIn0.'],
  ])('refuses %s with 401, saying how to send a token', async (_name, header) => {
    const authenticate = makeAuthenticator(authConfig());

    await expect(authenticate(header)).rejects.toMatchObject({ status: 401, message: 'Send `Authorization: Bearer <token>`.' });
  });

  it('accepts the header with surrounding whitespace', async () => {
    const authenticate = makeAuthenticator(authConfig());

    expect(await authenticate(`  ${await bearer()}  `)).toBe('acme');
  });
});

describe('makeAuthenticator with a JWKS URL', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** Serves the JWKS on loopback, counting fetches. */
  const serveJwks = async (keys: JWK[]) => {
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`, fetches: () => fetches };
  };

  it('verifies against the keys it serves, fetching them once for many tokens', async () => {
    const jwks = await serveJwks([es.publicJwk]);
    const authenticate = makeAuthenticator(authConfig({ jwks: undefined, jwksUrl: jwks.url }));

    expect(await authenticate(await bearer({ tenant: 'acme' }))).toBe('acme');
    expect(await authenticate(await bearer({ tenant: 'globex' }))).toBe('globex');
    await expect(authenticate(await bearer({ tenant: 'acme' }, { key: stranger }))).rejects.toMatchObject({ status: 401 });

    expect(jwks.fetches()).toBe(1);
  });
});

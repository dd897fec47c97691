import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import type { Config } from '../config.js';
import { UnauthorizedError } from '../errors.js';

/** Resolves the tenant from an Authorization header, or throws UnauthorizedError. */
export type Authenticate = (authorization: string | undefined) => Promise<string>;

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/;

/**
 * Verifies the bearer JWT (signature against the JWKS, expiry, issuer, audience) and returns its tenant
 * claim. The same code runs locally (inline JWKS minted by scripts/token.mjs) and on AWS (the identity
 * provider's JWKS URL), behind API Gateway's own JWT authorizer.
 */
export const makeAuthenticator = (auth: Config['auth']): Authenticate => {
  const keys = auth.jwks
    ? createLocalJWKSet(JSON.parse(auth.jwks) as JSONWebKeySet)
    : createRemoteJWKSet(new URL(auth.jwksUrl ?? ''), { cooldownDuration: 60_000, cacheMaxAge: 600_000 });
  return async (authorization) => {
    const token = BEARER.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw new UnauthorizedError('Send `Authorization: Bearer <token>`.');
    let tenant: unknown;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms: ['ES256', 'RS256'],
        clockTolerance: 5,
      });
      tenant = payload[auth.tenantClaim];
    } catch (e) {
      throw new UnauthorizedError('The bearer token is invalid or expired.', e);
    }
    if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
      throw new UnauthorizedError(`The token's ${auth.tenantClaim} claim is missing or not a tenant id.`);
    }
    return tenant;
  };
};

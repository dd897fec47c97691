// Local identity provider: an ES256 key pair kept in .local/ (git-ignored); the API verifies tokens
// against its public JWKS exactly as it verifies the real issuer's on AWS.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keyFile = join(root, '.local', 'jwt-key.json');

/** Issuer and audience of local tokens (serverless.yml's `local` params use the same). */
export const LOCAL_ISSUER = 'byob-local';
export const LOCAL_AUDIENCE = 'byob-api';

const loadKeys = async (): Promise<{ privateJwk: JWK; publicJwk: JWK }> => {
  if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8')) as { privateJwk: JWK; publicJwk: JWK };
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `local-${Date.now().toString(36)}`;
  const keys = {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
  mkdirSync(dirname(keyFile), { recursive: true });
  writeFileSync(keyFile, JSON.stringify(keys), { mode: 0o600 });
  return keys;
};

/** The public JWKS (JSON) the local API trusts. */
export const localJwks = async (): Promise<string> => JSON.stringify({ keys: [(await loadKeys()).publicJwk] });

/** A signed bearer token for `tenant`, valid for `hours`. */
export const mintToken = async (tenant: string, hours = 12): Promise<string> => {
  const { privateJwk } = await loadKeys();
  const key = await importJWK(privateJwk, 'ES256');
  return new SignJWT({ tenant })
    .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid!, typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(`user@${tenant}`)
    .setIssuedAt()
    .setExpirationTime(`${hours}h`)
    .sign(key);
};

// Local stand-ins for the deployed Secrets Manager secrets, made once and kept in .local/.
const localSecret = (name: string): string => {
  const file = join(root, '.local', name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(48).toString('base64');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
  return key;
};

/** The local stand-in for the deployed secret from which quick-create tokens are derived. */
export const localLinkKey = (): string => localSecret('quick-create-link-key');

/** The local stand-in for the deployed secret under which onboarding page links are signed. */
export const localOnboardingLinkKey = (): string => localSecret('onboarding-link-key');

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import * as nodeChain from '@aws-sdk/credential-provider-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as lambdaChain from '../../../lib/aws/lambda-credentials.js';

const { defaultProvider, credentialsTreatedAsExpired, credentialsWillNeedRefresh } = lambdaChain;

const clearCredentialEnv = () => {
  for (const v of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_PROFILE']) {
    vi.stubEnv(v, '');
    delete process.env[v];
  }
};

afterEach(() => vi.unstubAllEnvs());

describe('lambda credentials (the bundles\' stand-in for the default chain)', () => {
  it('exports what @aws-sdk/credential-provider-node exports, so the alias is a drop-in', () => {
    // A CommonJS module's namespace also carries `default` and, from Node 23, `module.exports`: neither is a named export.
    const named = Object.keys(nodeChain).filter((k) => k !== 'default' && k !== 'module.exports');
    expect(Object.keys(lambdaChain)).toEqual(expect.arrayContaining(named));
  });

  it('is what serverless.yml puts in place of the default chain in every bundle', () => {
    expect(readFileSync('serverless.yml', 'utf8')).toMatch(/alias:\n\s+'@aws-sdk\/credential-provider-node': \.\/lib\/aws\/lambda-credentials\.ts\n/);
  });

  it('reads the role credentials Lambda puts in the environment, session token included', async () => {
    clearCredentialEnv();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    const c = await defaultProvider()();
    expect(c).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('reads them at call time, not when the client is built', async () => {
    clearCredentialEnv();
    const provider = defaultProvider();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIALATER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'later');
    expect((await provider()).accessKeyId).toBe('AKIALATER');
  });

  it('falls back to a container credentials endpoint when the environment names one', async () => {
    clearCredentialEnv();
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ AccessKeyId: 'ASIACONTAINER', SecretAccessKey: 's', Token: 't', Expiration: expiration }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', `http://127.0.0.1:${(server.address() as AddressInfo).port}/creds`);
      const c = await defaultProvider()();
      expect(c).toMatchObject({ accessKeyId: 'ASIACONTAINER', secretAccessKey: 's', sessionToken: 't' });
      expect(c.expiration?.toISOString()).toBe(expiration);
      expect(seen).toEqual(['GET /creds']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('fails with a CredentialsProviderError that ends the chain when there is no source', async () => {
    clearCredentialEnv();
    const err = await defaultProvider()().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'CredentialsProviderError', tryNextLink: false });
    expect(String((err as Error).message)).toMatch(/AWS_ACCESS_KEY_ID/);
  });

  it('treats credentials as the default chain does near expiry', () => {
    expect(credentialsWillNeedRefresh({ accessKeyId: 'a', secretAccessKey: 'b' })).toBe(false);
    expect(credentialsWillNeedRefresh({ accessKeyId: 'a', secretAccessKey: 'b', expiration: new Date() })).toBe(true);
    expect(credentialsTreatedAsExpired({ accessKeyId: 'a', secretAccessKey: 'b', expiration: new Date(Date.now() + 60_000) })).toBe(true);
    expect(credentialsTreatedAsExpired({ accessKeyId: 'a', secretAccessKey: 'b', expiration: new Date(Date.now() + 600_000) })).toBe(false);
    expect(nodeChain.credentialsTreatedAsExpired({ accessKeyId: 'a', secretAccessKey: 'b', expiration: new Date(Date.now() + 60_000) })).toBe(true);
  });
});

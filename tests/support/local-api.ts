import { inject } from 'vitest';
import { mintToken } from '../../scripts/local-auth.js';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
// @ts-expect-error plain ESM script without types
import { freePort } from '../../scripts/emulator.mjs';

/** What an HTTP call to the local API answered. */
export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** Starts the whole local stack (emulator, bridge, serverless-offline) on free loopback ports. */
export const startApi = async (): Promise<LocalStack> => startLocalStack({ port: (await freePort()) as number, quiet: true });

/** What an e2e file uses of the local stack. */
export type Api = Pick<LocalStack, 'baseUrl' | 'emulatorEndpoint' | 'token'>;

/** The stack the e2e run shares (tests/support/global-local-stack.ts), signing tokens with the key it left in .local/. */
export const sharedApi = (): Api => ({ ...inject('localStack'), token: (tenant) => mintToken(tenant) });

/** One HTTP call; JSON in and out. */
export const call = async (
  stack: Pick<LocalStack, 'baseUrl'>,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> => {
  const headers: Record<string, string> = { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) };
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${stack.baseUrl}${path}`, { method, headers: { ...headers, ...opts.headers }, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed };
};

/** Polls GET /byob/{id} until its status is one of `statuses`. */
export const waitForStatus = async (stack: Pick<LocalStack, 'baseUrl'>, token: string, id: string, statuses: string[], timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  let last: Answer | undefined;
  while (Date.now() < deadline) {
    last = await call(stack, 'GET', `/byob/${id}`, { token });
    if (last.status === 200 && statuses.includes(last.body.status)) return last.body;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${id} did not reach ${statuses.join('|')} in ${timeoutMs} ms; last: ${JSON.stringify(last?.body).slice(0, 500)}`);
};

/** A valid direct-mode body; override any field. */
export const directBody = (over: Record<string, unknown> = {}) => ({
  scope: 'team',
  team: 'omega',
  region: 'eu-west-1',
  encryption: { type: 'sse-kms' },
  cors: { allowedOrigins: ['https://app.example.com'] },
  launch: { mode: 'direct' },
  ...over,
});

/** Emulator client options. */
export const emulatorClient = (endpoint: string, region = 'eu-west-1') => ({
  endpoint,
  region,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

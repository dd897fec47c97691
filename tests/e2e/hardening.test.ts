import { CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../lib/http/http-handler.js';
// @ts-expect-error plain ESM script without types
import { runFuzz } from '../../scripts/fuzz.mjs';
import { type Answer, call, directBody, emulatorClient, sharedApi } from '../support/local-api.js';
import { stacksTaggedFor } from '../support/stacks.js';
import { SECURITY_HEADERS } from '../../lib/http/security-headers.js';

// Hardening through serverless-offline over the emulator, as `npm start` runs it: schemathesis from
// the OpenAPI document, racing replays, hostile input over real HTTP, tenant isolation.
const stack = sharedApi();

const stacksOf = (tenant: string): Promise<Stack[]> =>
  stacksTaggedFor(new CloudFormationClient({ ...emulatorClient(stack.emulatorEndpoint), maxAttempts: 1 }), tenant);

const expectProblem = (r: Answer, status: number) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  expect(r.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(r.headers.get(name), name).toBe(value);
};

describe('hardening over HTTP', () => {
  it('schemathesis: no 5xx, every response as documented, negative data rejected', async () => {
    const token = await stack.token('fuzz');
    const { code, output } = (await runFuzz({ base: stack.baseUrl, token, maxExamples: 10, maxTimeSeconds: 75 })) as { code: number; output: string };
    const summary = output.split('\n').filter((l) => /Fuzzing|Stateful|Scenarios|generated|passed|failed|error|Failures|ST\d{3}|No issues/i.test(l)).slice(-15).join('\n');
    console.log(`schemathesis:\n${summary}`);
    expect(code, output.slice(-6000)).toBe(0);
    expect(output).toMatch(/No issues found/);
  });

  it('20 parallel POSTs with one Idempotency-Key: one id, one stack, the rest 409 or replays, never 5xx', async () => {
    const tenant = 'e2e-idem';
    const token = await stack.token(tenant);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => call(stack, 'POST', '/byob', { token, body: directBody({ team: 'race' }), headers: { 'idempotency-key': 'e2e-key' } })),
    );
    expect(replies.filter((r) => r.status >= 500).map((r) => r.body)).toEqual([]);
    expect(replies.every((r) => r.status === 202 || r.status === 409)).toBe(true);
    const ids = new Set(replies.filter((r) => r.status === 202).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(await stacksOf(tenant)).toHaveLength(1);
    const changed = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'race', region: 'us-west-2' }), headers: { 'idempotency-key': 'e2e-key' } });
    expectProblem(changed, 422);
    expect(await stacksOf(tenant)).toHaveLength(1);
  });

  it('hostile input over HTTP is a 4xx problem with the security headers, and leaves nothing behind', async () => {
    const tenant = 'e2e-hostile';
    const token = await stack.token(tenant);
    const valid = directBody({ team: 'hostile' });
    const auth = { authorization: `Bearer ${token}` };
    const cases: Array<[number, Parameters<typeof call>[3]]> = [
      [413, { raw: JSON.stringify({ ...valid, tags: { pad: 'x'.repeat(MAX_BODY_BYTES) } }), headers: { ...auth, 'content-type': 'application/json' } }],
      [415, { raw: JSON.stringify(valid), headers: { ...auth, 'content-type': 'text/plain' } }],
      [400, { token, body: valid, headers: { 'idempotency-key': 'k'.repeat(256) } }],
      [400, { raw: `{"__proto__":{"admin":true},${JSON.stringify(valid).slice(1)}`, headers: { ...auth, 'content-type': 'application/json' } }],
      [400, { token, body: { ...valid, region: 'eu-w\u0435st-1' } }],
      [400, { token, body: { ...valid, team: '${AWS::AccountId}' } }],
      [400, { token, body: { ...valid, tags: { k: { Ref: 'AWS::AccountId' } } } }],
      [400, { raw: 'false', headers: { ...auth, 'content-type': 'application/json' } }],
      [401, { body: valid }],
    ];
    for (const [status, opts] of cases) expectProblem(await call(stack, 'POST', '/byob', opts), status);
    const listed = await call(stack, 'GET', '/byob', { token });
    expect(listed.body.items).toEqual([]);
    expect(await stacksOf(tenant)).toEqual([]);
  });

  it('another tenant\'s id is a 404 exactly like a missing one, with the security headers', async () => {
    const owner = await stack.token('e2e-owner');
    const intruder = await stack.token('e2e-intruder');
    const created = await call(stack, 'POST', '/byob', { token: owner, body: directBody({ team: 'mine' }) });
    expect(created.status).toBe(202);
    for (const [method, suffix] of [['GET', ''], ['GET', '/template'], ['POST', '/verify'], ['POST', '/callbacks/redeliver'], ['DELETE', '']] as const) {
      const theirs = await call(stack, method, `/byob/${created.body.id}${suffix}`, { token: intruder });
      const missing = await call(stack, method, `/byob/byob_01JZZZZZZZZZZZZZZZZZZZZZZZ${suffix}`, { token: intruder });
      expectProblem(theirs, 404);
      const { detail: _a, ...t } = theirs.body;
      const { detail: _b, ...m } = missing.body;
      expect(t).toEqual(m);
    }
  });
});

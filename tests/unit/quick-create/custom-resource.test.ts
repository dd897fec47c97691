import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildResponse, MAX_RESPONSE_BYTES, physicalIdOf, responseUrlAllowed, sendResponse } from '../../../lib/quick-create/custom-resource.js';
import { type ResponseServer, startResponseServer } from './support.js';

const ids = { StackId: 'arn:aws:cloudformation:eu-central-1:111111111111:stack/s/1', RequestId: 'r-1', LogicalResourceId: 'ByobStarted' };

describe('buildResponse', () => {
  it('always fits in 4096 bytes and echoes StackId, RequestId and LogicalResourceId verbatim', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 6000 }),
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.string({ minLength: 1, maxLength: 256 }),
        fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 2000 }), { maxKeys: 4 }),
        (reason, physicalId, logicalId, data) => {
          const req = { ...ids, LogicalResourceId: logicalId };
          const r = buildResponse(req, 'FAILED', reason, physicalId || 'p', data);
          expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
          expect(r).toMatchObject(req);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a short answer as it is, and clips a long reason (multi-byte too) with an ellipsis', () => {
    expect(buildResponse(ids, 'SUCCESS', 'OK', 'p', { A: 'b' })).toEqual({ Status: 'SUCCESS', Reason: 'OK', PhysicalResourceId: 'p', ...ids, NoEcho: false, Data: { A: 'b' } });
    const clipped = buildResponse(ids, 'FAILED', 'é'.repeat(5000), 'p');
    expect(clipped.Reason).toMatch(/^é+\.\.\.$/);
    expect(Buffer.byteLength(JSON.stringify(clipped))).toBeGreaterThan(MAX_RESPONSE_BYTES - 8);
    expect(Buffer.byteLength(JSON.stringify(clipped))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
  });
});

describe('physicalIdOf', () => {
  it('keeps the id CloudFormation already holds, else derives one from the prefix and logical id', () => {
    expect(physicalIdOf({ LogicalResourceId: 'ByobReady', PhysicalResourceId: 'given' }, 'byob_x')).toBe('given');
    expect(physicalIdOf({ LogicalResourceId: 'ByobReady' }, 'byob_x')).toBe('byob_x-ByobReady');
    expect(physicalIdOf({ LogicalResourceId: 'L', PhysicalResourceId: '' }, 'p'.repeat(2000))).toHaveLength(1024);
  });
});

describe('responseUrlAllowed', () => {
  it.each([
    'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/x?AWSAccessKeyId=A&Expires=1&Signature=s',
    'https://cloudformation-custom-resource-response-eucentral1.s3.eu-central-1.amazonaws.com/arn%3Aaws/x?X-Amz-Algorithm=AWS4-HMAC-SHA256',
    'https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/x',
    'https://s3.eu-central-1.amazonaws.com/cloudformation-custom-resource-response-eucentral1/x',
  ])('allows CloudFormation\'s presigned S3 URL %s', (url) => {
    expect(responseUrlAllowed(url, false)).toBe(true);
  });

  it.each([
    'http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
    'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/x',
    'https://attacker-bucket.s3.amazonaws.com/x',
    'https://s3.amazonaws.com/attacker-bucket/x',
    'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.attacker.example/x',
    'https://user:pw@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[::ffff:127.0.0.1]/x',
    'http://127.0.0.1:9000/x',
    'file:///etc/passwd',
    'not a url',
  ])('refuses %s outside local mode', (url) => {
    expect(responseUrlAllowed(url, false)).toBe(false);
  });

  it('allows loopback only in local mode, and still nothing else', () => {
    expect(responseUrlAllowed('http://127.0.0.1:9000/_byob/cfn-response/abc', true)).toBe(true);
    expect(responseUrlAllowed('http://169.254.169.254/latest/', true)).toBe(false);
    expect(responseUrlAllowed('http://10.0.0.1/', true)).toBe(false);
  });
});

describe('sendResponse', () => {
  let server: ResponseServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const answer = buildResponse(ids, 'SUCCESS', 'OK', 'p');
  const noPause = { backoffMs: 0 };

  it('PUTs the JSON with an empty content-type (it is part of the presigned signature)', async () => {
    server = await startResponseServer();
    await sendResponse(server.url('/presigned?Signature=x'), answer, noPause);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({ method: 'PUT', path: '/presigned?Signature=x', body: JSON.stringify(answer) });
    expect(server.received[0]!.headers['content-type']).toBe('');
    expect(server.received[0]!.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(answer))));
  });

  it('retries a failed attempt, pausing longer each time', async () => {
    server = await startResponseServer([{ status: 500 }, { status: 503 }, { status: 200 }]);
    const pauses: number[] = [];
    await sendResponse(server.url(), answer, { backoffMs: 100, sleep: async (ms) => void pauses.push(ms) });
    expect(server.received.map((r) => r.body)).toEqual([JSON.stringify(answer), JSON.stringify(answer), JSON.stringify(answer)]);
    expect(pauses).toEqual([100, 200]);
  });

  it('does not follow a redirect (it could point anywhere)', async () => {
    server = await startResponseServer([{ status: 307 }]);
    await expect(sendResponse(server.url(), answer, { ...noPause, attempts: 2 })).rejects.toThrow(/after 2 attempts/);
    expect(server.received).toHaveLength(2);
  });

  it('bounds each attempt against a slow server, then gives up with the cause', async () => {
    server = await startResponseServer([{ status: 200, delayMs: 60_000 }]);
    const failure = await sendResponse(server.url(), answer, { ...noPause, timeoutMs: 200, attempts: 2 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/after 2 attempts/);
    expect(((failure as Error).cause as Error).name).toMatch(/TimeoutError|AbortError/);
    expect(server.received).toHaveLength(2);
  });

  it('gives up on a server that refuses connections', async () => {
    server = await startResponseServer();
    const url = server.url();
    await server.close();
    server = undefined;
    await expect(sendResponse(url, answer, { ...noPause, attempts: 2 })).rejects.toThrow(/after 2 attempts/);
  });
});

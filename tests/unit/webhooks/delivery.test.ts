import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  deliverWebhook,
  parseRetryAfter,
  pinnedLookup,
  WEBHOOK_USER_AGENT,
  type DeliveryDeps,
  type DeliveryRequest,
  type ResolvedAddress,
  type Resolver,
} from '../../../lib/webhooks/delivery.js';
import { generateWebhookSecret, signWebhook } from '../../../lib/webhooks/signing.js';
import { startReceiver, type Receiver } from '../../support/receiver.js';

const SECRET = generateWebhookSecret(() => new Uint8Array(32).fill(7));
const OLD_SECRET = generateWebhookSecret(() => new Uint8Array(32).fill(9));
const NOW = new Date('2026-11-05T12:00:00Z');

const realClock = () => new Date();
const loopbackDeps = (over: Partial<DeliveryDeps> = {}): DeliveryDeps => ({
  clock: realClock,
  allowLoopback: true,
  timeoutMs: 5_000,
  resolve: () => Promise.reject(new Error('no DNS in this test')),
  ...over,
});

const message = (url: string, over: Partial<DeliveryRequest> = {}): DeliveryRequest => ({
  url,
  id: 'msg_01JTESTID',
  type: 'byob.ready',
  body: JSON.stringify({ type: 'byob.ready', data: { id: 'byob_1', status: 'READY' } }),
  secrets: [SECRET],
  ...over,
});

/** A resolver that answers from a table, counting calls; each entry lists the answer per call. */
const fakeResolver = (table: Record<string, ResolvedAddress[][]>) => {
  const calls: string[] = [];
  const resolve: Resolver = async (host) => {
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    const n = calls.filter((h) => h === host).length;
    calls.push(host);
    return answers[Math.min(n, answers.length - 1)] ?? [];
  };
  return { resolve, calls };
};

const a4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const a6 = (address: string): ResolvedAddress => ({ address, family: 6 });

let receivers: Receiver[] = [];
const receiver = async (options: Parameters<typeof startReceiver>[0] = {}) => {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
};

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

describe('deliverWebhook: signed delivery', () => {
  it('POSTs the body with verifiable Standard Webhooks headers, the given id, JSON and a user-agent', async () => {
    const r = await receiver({ secret: SECRET });
    const req = message(`${r.url}/hooks/byob`);

    const outcome = await deliverWebhook(loopbackDeps(), req);

    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
    expect(r.received).toHaveLength(1);
    const [got] = r.received;
    expect(got?.verified).toBe('ok');
    expect(got?.method).toBe('POST');
    expect(got?.path).toBe('/hooks/byob');
    expect(got?.body).toBe(req.body);
    expect(got?.headers['webhook-id']).toBe('msg_01JTESTID');
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['user-agent']).toBe(WEBHOOK_USER_AGENT);
  });

  it('signs with the timestamp it is given, so a stale one (> 5 min) fails verification at the receiver', async () => {
    const r = await receiver({ secret: SECRET });
    const stale = new Date(Date.now() - 6 * 60 * 1000);

    const outcome = await deliverWebhook(loopbackDeps(), message(r.url, { timestamp: stale }));

    expect(outcome).toMatchObject({ kind: 'failed', status: 400 });
    expect(r.received[0]?.verified).toMatch(/too old/);
  });

  it('a body changed by one byte after signing fails verification at the receiver', async () => {
    const r = await receiver({ secret: SECRET });
    const body = '{"type":"byob.ready","data":{"id":"byob_1"}}';
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body }, [SECRET]);

    const ok = await fetch(r.url, { method: 'POST', headers: { ...headers }, body });
    const tampered = await fetch(r.url, { method: 'POST', headers: { ...headers }, body: body.replace('byob_1', 'byob_2') });

    expect(ok.status).toBe(200);
    expect(tampered.status).toBe(400);
    expect(r.received[1]?.verified).toMatch(/No matching signature/);
  });

  it('during a rotation both signatures are sent and a receiver holding either secret verifies', async () => {
    const withNew = await receiver({ secret: SECRET });
    const withOld = await receiver({ secret: OLD_SECRET });

    const a = await deliverWebhook(loopbackDeps(), message(withNew.url, { secrets: [SECRET, OLD_SECRET] }));
    const b = await deliverWebhook(loopbackDeps(), message(withOld.url, { secrets: [SECRET, OLD_SECRET] }));

    expect(a.kind).toBe('delivered');
    expect(b.kind).toBe('delivered');
    expect(withNew.received[0]?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
  });
});

describe('deliverWebhook: outcomes', () => {
  it('500, 500, 200 gives failed, failed, delivered, sending the same webhook-id each time', async () => {
    const r = await receiver({ secret: SECRET, reply: (n) => ({ status: n < 2 ? 500 : 200 }) });
    const deps = loopbackDeps();

    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await deliverWebhook(deps, message(r.url, { id: 'msg_same' })));

    expect(outcomes.map((o) => o.kind)).toEqual(['failed', 'failed', 'delivered']);
    expect(outcomes[0]).toEqual({ kind: 'failed', status: 500, error: 'HTTP 500' });
    expect(r.received.map((x) => x.headers['webhook-id'])).toEqual(['msg_same', 'msg_same', 'msg_same']);
    expect(r.received.every((x) => x.verified === 'ok')).toBe(true);
  });

  it('410 means gone', async () => {
    const r = await receiver({ reply: () => ({ status: 410 }) });

    expect(await deliverWebhook(loopbackDeps(), message(r.url))).toEqual({ kind: 'gone', status: 410 });
  });

  it('does not follow a redirect to the metadata address: one request, outcome failed', async () => {
    const r = await receiver({
      reply: () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }),
    });

    const outcome = await deliverWebhook(loopbackDeps(), message(r.url));

    expect(outcome).toEqual({ kind: 'failed', status: 302, error: 'redirect not followed (HTTP 302)' });
    expect(r.received).toHaveLength(1);
  });

  it('a slow receiver times out', async () => {
    const r = await receiver({ reply: () => ({ status: 200, delayMs: 3_000 }) });
    const started = Date.now();

    const outcome = await deliverWebhook(loopbackDeps({ timeoutMs: 150 }), message(r.url));

    expect(outcome).toEqual({ kind: 'failed', error: 'timed out after 150 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('passes on Retry-After in seconds', async () => {
    const r = await receiver({ reply: () => ({ status: 503, headers: { 'retry-after': '120' } }) });

    expect(await deliverWebhook(loopbackDeps(), message(r.url))).toEqual({
      kind: 'failed',
      status: 503,
      error: 'HTTP 503',
      retryAfterMs: 120_000,
    });
  });

  it('passes on Retry-After as an HTTP date, measured with the injected clock', async () => {
    const at = new Date(NOW.getTime() + 90_000).toUTCString();
    const r = await receiver({ reply: () => ({ status: 429, headers: { 'retry-after': at } }) });

    const outcome = await deliverWebhook(loopbackDeps({ clock: () => NOW }), {
      ...message(r.url),
      timestamp: new Date(),
    });

    expect(outcome).toMatchObject({ kind: 'failed', status: 429, retryAfterMs: 90_000 });
  });

  it('reports a refused connection as a short failure', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    receivers = [];

    expect(await deliverWebhook(loopbackDeps(), message(url))).toEqual({
      kind: 'failed',
      error: 'connection failed (ECONNREFUSED)',
    });
  });

  it('stops reading a huge response body and still reports the status', async () => {
    const r = await receiver({ reply: () => ({ status: 200, body: Buffer.alloc(8 * 1024 * 1024, 120) }) });

    const outcome = await deliverWebhook(loopbackDeps({ maxResponseBytes: 1024 }), message(r.url));

    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
  });

  it('a DNS failure is a retryable failure, not a refusal', async () => {
    const { resolve } = fakeResolver({});

    const outcome = await deliverWebhook(loopbackDeps({ resolve }), message('https://nowhere.example/hook'));

    expect(outcome).toEqual({ kind: 'failed', error: 'DNS lookup failed (ENOTFOUND)' });
  });

  it('never puts a secret in the failure text', async () => {
    const r = await receiver({ reply: () => ({ status: 500, body: SECRET }) });

    const outcome = await deliverWebhook(loopbackDeps(), message(r.url));

    expect(JSON.stringify(outcome)).not.toContain(SECRET.slice(6));
  });
});

describe('deliverWebhook: the socket goes to the checked address', () => {
  it('resolves once and connects to the validated address even when DNS changes its answer', async () => {
    // 127.0.0.2, not the system's answer for localhost (127.0.0.1): only a pinned socket reaches it.
    const r = await receiver({ secret: SECRET, host: '127.0.0.2' });
    const { resolve, calls } = fakeResolver({ localhost: [[a4('127.0.0.2')], [a4('10.0.0.5')]] });

    const outcome = await deliverWebhook(loopbackDeps({ resolve }), message(`http://localhost:${r.port}/hook`));

    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
    expect(calls).toEqual(['localhost']);
    expect(r.received[0]?.verified).toBe('ok');
    expect(r.received[0]?.headers['host']).toBe(`localhost:${r.port}`);
  });

  it('over TLS, sends the host name as SNI while connecting to the pinned address', async () => {
    const sni: string[] = [];
    const server = createTlsServer({
      SNICallback: (name, cb) => {
        sni.push(name);
        cb(new Error('no certificate in this test'), undefined);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { resolve, calls } = fakeResolver({ 'hooks.portal.example': [[a4('127.0.0.1')], [a4('10.0.0.5')]] });

    try {
      const outcome = await deliverWebhook(
        loopbackDeps({ resolve }),
        message(`https://hooks.portal.example:${port}/hook`),
      );

      expect(outcome.kind).toBe('failed');
      expect(sni).toEqual(['hooks.portal.example']);
      expect(calls).toEqual(['hooks.portal.example']);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('pinnedLookup answers only the checked host, with the checked address, in both lookup shapes', () => {
    const lookup = pinnedLookup('hooks.portal.example', a4('203.0.113.7'));
    const results: unknown[] = [];

    lookup('hooks.portal.example', { all: true }, (err, address) => results.push([err, address]));
    lookup('hooks.portal.example', {}, (err, address, family) => results.push([err, address, family]));
    lookup('evil.example', {}, (err) => results.push(err?.code));

    expect(results).toEqual([
      [null, [{ address: '203.0.113.7', family: 4 }]],
      [null, '203.0.113.7', 4],
      'ENOTFOUND',
    ]);
  });
});

describe('deliverWebhook: refused before any socket opens', () => {
  type Row = [url: string, reason: RegExp];
  // `P` is replaced by the port of a live loopback listener: a request that got through would hit it.
  const rows: Row[] = [
    ['http://127.0.0.1:P/hook', /scheme http/],
    ['https://127.0.0.1:P/hook', /loopback/],
    ['https://2130706433:P/', /loopback/],
    ['https://0177.0.0.1:P/', /loopback/],
    ['https://0x7f.1:P/', /loopback/],
    ['https://0x7f000001:P/', /loopback/],
    ['https://0x7f.0x0.0x0.0x1:P/', /loopback/],
    ['https://127.1:P/', /loopback/],
    ['https://127.0.0.1.:P/', /loopback/],
    ['https://[::1]:P/', /loopback/],
    ['https://[::ffff:127.0.0.1]:P/', /IPv4-mapped.*loopback/],
    ['https://[::ffff:7f00:1]:P/', /IPv4-mapped.*loopback/],
    ['https://[::127.0.0.1]:P/', /IPv4-compatible.*loopback/],
    ['https://[0:0:0:0:0:ffff:127.0.0.1]:P/', /IPv4-mapped.*loopback/],
    ['https://0.0.0.0:P/', /unspecified/],
    ['https://0:P/', /unspecified/],
    ['https://[::]:P/', /unspecified/],
    ['https://169.254.169.254/latest/meta-data/', /metadata/],
    ['https://[::ffff:169.254.169.254]/', /IPv4-mapped.*metadata/],
    ['https://[::ffff:a9fe:a9fe]/', /IPv4-mapped.*metadata/],
    ['https://[fd00:ec2::254]/', /metadata/],
    ['https://10.0.0.5/', /private/],
    ['https://172.16.0.1/', /private/],
    ['https://172.31.255.255/', /private/],
    ['https://192.168.1.1/', /private/],
    ['https://[::ffff:10.0.0.5]/', /IPv4-mapped.*private/],
    ['https://100.64.0.1/', /carrier-grade NAT/],
    ['https://224.0.0.1/', /multicast/],
    ['https://255.255.255.255/', /broadcast/],
    ['https://240.0.0.1/', /reserved/],
    ['https://198.18.0.1/', /benchmarking/],
    ['https://192.0.2.1/', /documentation/],
    ['https://[fe80::1]/', /link-local/],
    ['https://[fc00::1]/', /unique local/],
    ['https://[ff02::1]/', /multicast/],
    ['https://[64:ff9b::7f00:1]:P/', /NAT64.*loopback/],
    ['https://[64:ff9b::a9fe:a9fe]/', /NAT64.*metadata/],
    ['https://[64:ff9b:1::a00:5]/', /local-use NAT64/],
    ['https://[2002:7f00:1::]:P/', /6to4.*loopback/],
    ['https://[2002:a9fe:a9fe::1]/', /6to4.*metadata/],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', /Teredo/],
    ['http://public.example:P/hook', /scheme http/],
    ['ftp://public.example:P/', /scheme ftp/],
    ['file:///etc/passwd', /scheme file/],
    ['https://user:pass@public.example:P/', /user name or password/],
    ['https://user@public.example:P/', /user name or password/],
    ['https://public.example:8080@127.0.0.1:P/', /user name or password/],
    ['https://public.example:22/', /port 22/],
    ['https://public.example:25/', /port 25/],
    ['https://public.example:6667/', /port 6667/],
    ['https://public.example:0/', /port 0/],
    ['https://public.example:P/#frag', /fragment/],
    ['https://localhost:P/', /loopback name/],
    ['https://LOCALHOST.:P/', /loopback name/],
    ['https://api.localhost:P/', /loopback name/],
    ['https://intranet:P/', /fully qualified/],
    ['not a url', /not a valid/],
    ['https://internal.example/', /internal\.example resolves to 10\.0\.0\.5: private/],
    ['https://metadata.example/', /resolves to 169\.254\.169\.254: cloud metadata/],
    ['https://loop.example:P/', /resolves to 127\.0\.0\.1: loopback/],
    ['https://mapped.example:P/', /resolves to ::ffff:127\.0\.0\.1: IPv4-mapped/],
    ['https://v6loop.example:P/', /resolves to ::1: loopback/],
    ['https://mixed.example:P/', /resolves to 10\.0\.0\.5: private/],
    ['https://mixed-order.example:P/', /resolves to 127\.0\.0\.1: loopback/],
    ['https://cgnat.example/', /resolves to 100\.64\.1\.1: carrier-grade/],
  ];

  const table = {
    'public.example': [[a4('127.0.0.1')]],
    'internal.example': [[a4('10.0.0.5')]],
    'metadata.example': [[a4('169.254.169.254')]],
    'loop.example': [[a4('127.0.0.1')]],
    'mapped.example': [[a6('::ffff:127.0.0.1')]],
    'v6loop.example': [[a6('::1')]],
    // Every answer is checked, not only the first.
    'mixed.example': [[a4('8.8.8.8'), a4('10.0.0.5')]],
    'mixed-order.example': [[a6('2606:4700:4700::1111'), a4('127.0.0.1')]],
    'cgnat.example': [[a4('100.64.1.1')]],
  } satisfies Record<string, ResolvedAddress[][]>;

  it(`refuses all ${rows.length} URLs without a connection`, async () => {
    const listener = await receiver();
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const { resolve, calls } = fakeResolver(table);
    const deps: DeliveryDeps = { clock: realClock, allowLoopback: false, timeoutMs: 1_000, resolve };

    const results = [];
    for (const [template, reason] of rows) {
      const url = template.replace(':P', `:${listener.port}`);
      const outcome = await deliverWebhook(deps, message(url));
      results.push({ url, outcome, reason });
    }

    expect(rows.length).toBeGreaterThanOrEqual(40);
    for (const { url, outcome, reason } of results) {
      expect(outcome.kind, url).toBe('refused');
      if (outcome.kind === 'refused') expect(outcome.reason, url).toMatch(reason);
    }
    expect(connect).not.toHaveBeenCalled();
    expect(listener.connections()).toBe(0);
    expect(new Set(calls).size).toBe(calls.length);
  });

  it('with allowLoopback, http to 127.0.0.1 delivers (the only way a local portal is reached)', async () => {
    const r = await receiver({ secret: SECRET });

    const outcome = await deliverWebhook(loopbackDeps(), message(`http://127.0.0.1:${r.port}/hook`));

    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
    expect(r.connections()).toBe(1);
  });

  it('with allowLoopback, http to [::1] delivers', async () => {
    const r = await receiver({ secret: SECRET, host: '::1' });

    const outcome = await deliverWebhook(loopbackDeps(), message(`${r.url}/hook`));

    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
    expect(r.received[0]?.remoteAddress).toBe('::1');
  });

  it('with allowLoopback, a host resolving to private space is still refused', async () => {
    const { resolve } = fakeResolver({ localhost: [[a4('127.0.0.1'), a4('192.168.0.10')]] });

    const outcome = await deliverWebhook(loopbackDeps({ resolve }), message('http://localhost:8080/'));

    expect(outcome).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/192\.168\.0\.10: private/) });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['30', 30_000],
    [' 120 ', 120_000],
    [new Date(NOW.getTime() + 45_000).toUTCString(), 45_000],
    [new Date(NOW.getTime() - 45_000).toUTCString(), 0],
    ['Thu, 05 Nov 2026 12:01:00 GMT', 60_000],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

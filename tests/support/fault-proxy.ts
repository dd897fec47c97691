/**
 * A fault-injecting HTTP proxy for AWS calls: the functions' AWS_ENDPOINT_URL points here and it
 * forwards to the emulator, except for a share of the calls, where it adds latency, resets the
 * connection (before the call reaches the emulator, or after, so its answer is lost), answers 500, or
 * answers the service's own throttling error. Which call gets which fault comes from a seeded
 * generator, so a run is reproducible for the same sequence of calls.
 */
import { createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Shares of the calls (0..1) that get each fault; the rest are forwarded as they are. */
export interface FaultShares {
  /** Held `latencyMs` before forwarding (long enough, it outlasts the SDK's per-attempt time-out). */
  latency: number;
  /** The connection reset: half before forwarding, half after (the emulator acted, the answer is lost). */
  reset: number;
  /** 500 in the service's error format. */
  serverError: number;
  /** The service's throttling error (ThrottlingException, Throttling, SlowDown). */
  throttle: number;
}

/** The fault kinds, as counted. */
export type Fault = 'latency' | 'reset-before' | 'reset-after' | 'server-error' | 'throttle';

/** A running proxy. */
export interface FaultProxy {
  endpoint: string;
  /** Turns faults on with these shares, or off (null). */
  setFaults(shares: FaultShares | null): void;
  /** Calls seen and faults made, by AWS service (the SigV4 scope) and kind. */
  stats(): { calls: number; byService: Record<string, number>; faults: Record<Fault, number> };
  close(): Promise<void>;
}

/** mulberry32: a small, fast, seeded generator of [0, 1). */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

type Protocol = 'json' | 'query' | 'rest-xml';

// JSON services name their operation in X-Amz-Target; query services post a form; S3 is neither.
const protocolOf = (req: IncomingMessage): Protocol =>
  req.headers['x-amz-target'] ? 'json' : String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? 'query' : 'rest-xml';

const serviceOf = (req: IncomingMessage) => /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unsigned';

/** An AWS error answer in the protocol's own format, as the SDK parses it. */
export const awsError = (protocol: Protocol, status: number, code: string, message: string) => {
  if (protocol === 'json') {
    return { status, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': code }, body: JSON.stringify({ __type: code, message }) };
  }
  const xml =
    protocol === 'query'
      ? `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`
      : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;
  return { status, headers: { 'content-type': 'text/xml' }, body: xml };
};

const THROTTLE: Record<Protocol, { status: number; code: string }> = {
  json: { status: 400, code: 'ThrottlingException' },
  query: { status: 400, code: 'Throttling' },
  'rest-xml': { status: 503, code: 'SlowDown' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the proxy on 127.0.0.1 in front of `target`; faults are off until setFaults. */
export const startFaultProxy = async (target: string, opts: { seed: number; latencyMs?: [number, number] }): Promise<FaultProxy> => {
  const upstream = new URL(target);
  const random = seededRandom(opts.seed);
  const [minLatency, maxLatency] = opts.latencyMs ?? [500, 4_000];
  let shares: FaultShares | null = null;
  let calls = 0;
  const byService: Record<string, number> = {};
  const faults: Record<Fault, number> = { latency: 0, 'reset-before': 0, 'reset-after': 0, 'server-error': 0, throttle: 0 };
  const sockets = new Set<Socket>();

  const pick = (): { fault: Fault | null; latency: number } => {
    const draw = random();
    const half = random();
    const latency = minLatency + random() * (maxLatency - minLatency);
    if (!shares) return { fault: null, latency };
    let edge = shares.latency;
    if (draw < edge) return { fault: 'latency', latency };
    if (draw < (edge += shares.reset)) return { fault: half < 0.5 ? 'reset-before' : 'reset-after', latency };
    if (draw < (edge += shares.serverError)) return { fault: 'server-error', latency };
    if (draw < (edge += shares.throttle)) return { fault: 'throttle', latency };
    return { fault: null, latency };
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    calls++;
    const service = serviceOf(req);
    byService[service] = (byService[service] ?? 0) + 1;
    const { fault, latency } = pick();
    if (fault) faults[fault]++;
    const protocol = protocolOf(req);
    if (fault === 'reset-before') {
      req.socket.destroy();
      return;
    }
    if (fault === 'server-error' || fault === 'throttle') {
      const e = fault === 'throttle' ? awsError(protocol, THROTTLE[protocol].status, THROTTLE[protocol].code, 'Rate exceeded') : awsError(protocol, 500, 'InternalFailure', 'injected by the fault proxy');
      res.writeHead(e.status, e.headers).end(e.body);
      return;
    }
    if (fault === 'latency') await sleep(latency);
    let answer;
    try {
      answer = await forward(req, body);
    } catch {
      // The emulator is gone or paused past the socket: the caller sees its connection drop.
      req.socket.destroy();
      return;
    }
    if (fault === 'reset-after' || res.destroyed) {
      req.socket.destroy();
      return;
    }
    const headers = { ...answer.headers };
    // The body was read whole, so it goes out with its length; a HEAD answer keeps the length it names.
    if (req.method !== 'HEAD') {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(answer.body.length);
    }
    res.writeHead(answer.status, headers).end(answer.body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)).catch(() => req.socket.destroy()));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setFaults: (s) => void (shares = s),
    stats: () => ({ calls, byService: { ...byService }, faults: { ...faults } }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver saw it, with the result of verifying its signature. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  remoteAddress: string | undefined;
  /** 'ok', or the verification error's message. */
  verified: string;
}

/** How the receiver answers the n-th request (0-based). */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  delayMs?: number;
}

/** A loopback webhook receiver that verifies every delivery with `Webhook#verify`. */
export interface Receiver {
  port: number;
  url: string;
  received: Received[];
  connections: () => number;
  close: () => Promise<void>;
}

const headerRecord = (req: IncomingMessage): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(', ');
  }
  return out;
};

/**
 * `Webhook#verify` of the standardwebhooks library, as a receiver whose clock reads `at` (the library
 * reads `Date.now()` for its ±5 min window, so it is pointed at the injected time for this one
 * synchronous call). Returns 'ok' or the library's error message.
 */
export const verifyAt = (secret: string, body: string, headers: Record<string, string>, at?: Date): string => {
  const realNow = Date.now;
  if (at) Date.now = () => at.getTime();
  try {
    new Webhook(secret).verify(body, headers);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    Date.now = realNow;
  }
};

/**
 * Verifies a delivery as a receiver would (the library's `Webhook#verify`, ±5 min of the real clock);
 * throws `WebhookVerificationError` when it does not verify.
 */
export const verifyWebhook = (secret: string, body: string, headers: Record<string, string>): unknown => new Webhook(secret).verify(body, headers);

const verify = (secret: string | undefined, body: string, headers: Record<string, string>, at?: Date): string =>
  secret ? verifyAt(secret, body, headers, at) : 'no secret configured';

/**
 * Starts a receiver on 127.0.0.1:0 (or `host`). A delivery that does not verify with `secret` (at
 * `now()`, the real clock by default) gets 400; one that does gets `reply(n)` (200 by default).
 */
export const startReceiver = async (
  options: { secret?: string; host?: string; now?: () => Date; reply?: (n: number, received: Received) => Reply } = {},
): Promise<Receiver> => {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = headerRecord(req);
      const entry: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        body,
        remoteAddress: req.socket.remoteAddress,
        verified: verify(options.secret, body, headers, options.now?.()),
      };
      received.push(entry);
      const reply: Reply =
        options.secret && entry.verified !== 'ok'
          ? { status: 400, body: entry.verified }
          : (options.reply?.(received.length - 1, entry) ?? { status: 200 });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    received,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

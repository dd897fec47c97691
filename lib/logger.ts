import type { Logger } from '@aws-lambda-powertools/logger';

// Every line we log is a warning or an error on a failure path, so most invocations never log: the
// Powertools logger (its module, its console on stdout/stderr, settings read from the environment,
// formatter) is loaded and built for the first line rather than at every cold start. The bundle still
// carries it; a dynamic import leaves its module unevaluated until then (~3 ms of every cold start).
// A line is written asynchronously; every handler waits for the lines of its invocation before it
// returns (lazyHandler in lib/wiring/once.ts), so none is lost when Lambda freezes the container.
let powertools: Promise<Logger> | undefined;
const pending = new Set<Promise<void>>();

const write = (level: 'warn' | 'error', input: Parameters<Logger['warn']>[0], extra: unknown[]): void => {
  powertools ??= import('@aws-lambda-powertools/logger').then(({ Logger: PowertoolsLogger }) => new PowertoolsLogger({ serviceName: 'byob' }));
  const line: Promise<void> = powertools
    .then((l) => (l[level] as (i: typeof input, ...e: unknown[]) => void)(input, ...extra))
    // A logger that cannot load must not fail the invocation that only wanted to report something.
    .catch((e: unknown) => console.error('logger unavailable', e instanceof Error ? e.message : String(e)))
    .finally(() => pending.delete(line));
  pending.add(line);
};

/** The one structured logger; request bodies and secrets are never passed to it. */
export const logger: Pick<Logger, 'warn' | 'error'> = {
  warn: (input, ...extra) => write('warn', input, extra),
  error: (input, ...extra) => write('error', input, extra),
};

/** Resolves once every line logged so far is written. */
export const logsWritten = async (): Promise<void> => {
  while (pending.size) await Promise.all([...pending]);
};

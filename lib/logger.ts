import { Logger } from '@aws-lambda-powertools/logger';
import { once } from './wiring/once.js';

// Every line we log is a warning or an error on a failure path, so most invocations never log: the
// Powertools logger (its console on stdout/stderr, settings read from the environment, formatter) is
// built for the first line rather than at every cold start.
const powertools = once(() => new Logger({ serviceName: 'byob' }));

/** The one structured logger; request bodies and secrets are never passed to it. */
export const logger: Pick<Logger, 'warn' | 'error'> = {
  warn: (input, ...extra) => powertools().warn(input, ...extra),
  error: (input, ...extra) => powertools().error(input, ...extra),
};

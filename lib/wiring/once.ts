import { logsWritten } from '../logger.js';

/**
 * Builds a value on first use and returns the same one after: the container-wide singleton, written once.
 * Call sites at module level mark the call `@__PURE__`, so a bundle drops every singleton (and the
 * clients behind it) that its handler never calls: that is what keeps the bundle tiers apart.
 */
export const once = <T>(make: () => T): (() => T) => {
  let built: { value: T } | undefined;
  return () => (built ??= { value: make() }).value;
};

/**
 * A Lambda handler whose dependencies are built on its first invocation, not at import: importing a
 * handler module reads no environment and builds no client, so tests import it like any other module.
 * It returns once the invocation's log lines are written (lib/logger.ts writes them asynchronously).
 */
export const lazyHandler = <A extends unknown[], R>(build: () => (...args: A) => Promise<R>): ((...args: A) => Promise<R>) => {
  const handler = once(build);
  return async (...args: A) => {
    try {
      return await handler()(...args);
    } finally {
      await logsWritten();
    }
  };
};

/** Thrown when a conditional write finds the record changed since it was read. */
export class StaleRecordError extends Error {
  override name = 'StaleRecordError';
}

/**
 * Runs `attempt` again, up to `times` in all, when it lost a race to a concurrent writer: each attempt
 * reads afresh and decides again, so handlers are idempotent and tolerate events in any order.
 */
export const retryOnStale = async <T>(what: string, attempt: () => Promise<T>, times = 5): Promise<T> => {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof StaleRecordError)) throw e;
      if (i >= times) throw new StaleRecordError(`${what} kept changing; giving up after ${times} attempts`, { cause: e });
    }
  }
};

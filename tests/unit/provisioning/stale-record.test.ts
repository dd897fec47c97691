import { describe, expect, it } from 'vitest';
import { retryOnStale, StaleRecordError } from '../../../lib/provisioning/stale-record.js';

/** An attempt that loses `losses` races, then answers `value`. */
const losingThen = <T>(losses: number, value: T) => {
  const calls = { count: 0 };
  const attempt = async () => {
    calls.count++;
    if (calls.count <= losses) throw new StaleRecordError(`lost race ${calls.count}`);
    return value;
  };
  return { attempt, calls };
};

describe('retryOnStale', () => {
  it('answers the first attempt that wins, without retrying', async () => {
    const { attempt, calls } = losingThen(0, 'done');

    expect(await retryOnStale('byob_X', attempt)).toBe('done');
    expect(calls.count).toBe(1);
  });

  it('tries again after each lost race, up to five attempts in all', async () => {
    const { attempt, calls } = losingThen(4, 'fifth time');

    expect(await retryOnStale('byob_X', attempt)).toBe('fifth time');
    expect(calls.count).toBe(5);
  });

  it('gives up after five lost races with a StaleRecordError naming what kept changing, the last loss as its cause', async () => {
    const { attempt, calls } = losingThen(5, 'never');

    const error = await retryOnStale('byob_X', attempt).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StaleRecordError);
    expect((error as Error).message).toBe('byob_X kept changing; giving up after 5 attempts');
    expect(((error as Error).cause as Error).message).toBe('lost race 5');
    expect(calls.count).toBe(5);
  });

  it('honours another number of attempts', async () => {
    const { attempt, calls } = losingThen(10, 'never');

    await expect(retryOnStale('settings', attempt, 2)).rejects.toThrow('settings kept changing; giving up after 2 attempts');
    expect(calls.count).toBe(2);
  });

  it('lets any other error through on the first attempt', async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw new TypeError('not a race');
    };

    await expect(retryOnStale('byob_X', attempt)).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });
});

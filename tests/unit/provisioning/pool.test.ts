import { describe, expect, it } from 'vitest';
import { inPool } from '../../../lib/provisioning/pool.js';

/** Work whose calls a test finishes one by one; it records how many ran at once. */
const controlled = () => {
  const waiting: Array<() => void> = [];
  let running = 0;
  let most = 0;
  const work = async (item: number) => {
    running++;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => waiting.push(resolve));
    running--;
    return item * 10;
  };
  const settle = async () => {
    while (waiting.length || running) {
      waiting.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { work, settle, most: () => most, started: () => waiting.length };
};

describe('inPool', () => {
  it('runs at most `size` at once and answers the results in the items\' order', async () => {
    const c = controlled();

    const run = inPool([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3, c.work);
    await new Promise((r) => setImmediate(r));
    const startedFirst = c.started();
    await c.settle();

    expect(startedFirst).toBe(3);
    expect(c.most()).toBe(3);
    expect(await run).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('starts the next item as soon as any one finishes, not when a whole round does', async () => {
    const order: string[] = [];
    const slow = new Promise<void>((r) => setTimeout(r, 50));

    await inPool(['slow', 'a', 'b', 'c'], 2, async (item) => {
      if (item === 'slow') await slow;
      order.push(item);
    });

    expect(order).toEqual(['a', 'b', 'c', 'slow']);
  });

  it('answers nothing for nothing, and runs a single item with any size', async () => {
    expect(await inPool([], 8, async () => 1)).toEqual([]);
    expect(await inPool([2], 8, async (x) => x + 1)).toEqual([3]);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];

    const run = inPool([1, 2, 3, 4, 5], 1, async (x) => {
      started.push(x);
      if (x === 2) throw new Error('boom at 2');
    });

    await expect(run).rejects.toThrow('boom at 2');
    expect(started).toEqual([1, 2]);
  });
});

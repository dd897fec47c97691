import { describe, expect, it, vi } from 'vitest';
import { lazyHandler, once } from '../../../lib/wiring/once.js';

describe('once', () => {
  it('builds on first use and returns the same value after', () => {
    const make = vi.fn(() => ({ built: true }));
    const get = once(make);
    expect(make).not.toHaveBeenCalled();
    const first = get();
    expect(get()).toBe(first);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('remembers a falsy value too', () => {
    const make = vi.fn(() => 0);
    const get = once(make);
    get();
    get();
    expect(make).toHaveBeenCalledTimes(1);
  });
});

describe('lazyHandler', () => {
  it('builds the handler on its first invocation, not at import, and once', async () => {
    const build = vi.fn(() => async (event: number, context: string) => `${event}:${context}`);
    const handler = lazyHandler(build);
    expect(build).not.toHaveBeenCalled();
    expect(await handler(1, 'a')).toBe('1:a');
    expect(await handler(2, 'b')).toBe('2:b');
    expect(build).toHaveBeenCalledTimes(1);
  });
});

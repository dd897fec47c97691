import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, logsWritten } from '../../lib/logger.js';
import { lazyHandler } from '../../lib/wiring/once.js';

// The Powertools logger is loaded for the first line; lines are written asynchronously and every
// handler waits for its invocation's lines before returning, so none is lost to a frozen container.
const captured = () => {
  const lines: string[] = [];
  const capture = (chunk: unknown) => (lines.push(String(chunk)), true);
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return lines;
};

afterEach(() => vi.restoreAllMocks());

describe('logger', () => {
  it('writes structured lines, in order, once logsWritten resolves', async () => {
    const lines = captured();
    logger.warn('first', { requestId: 'byob_1' });
    logger.error('second', { requestId: 'byob_1' });
    await logsWritten();

    const parsed = lines.map((l) => JSON.parse(l) as { level: string; message: string; requestId: string; service: string });
    expect(parsed.map((p) => [p.level, p.message])).toEqual([
      ['WARN', 'first'],
      ['ERROR', 'second'],
    ]);
    expect(parsed[0]).toMatchObject({ service: 'byob', requestId: 'byob_1' });
  });

  it('has nothing to wait for when nothing was logged', async () => {
    await expect(logsWritten()).resolves.toBeUndefined();
  });
});

describe('lazyHandler', () => {
  it('returns only after the lines its invocation logged are written', async () => {
    const lines = captured();
    const handler = lazyHandler(() => async (id: string) => {
      logger.error('failed', { requestId: id });
      return id;
    });

    await expect(handler('byob_2')).resolves.toBe('byob_2');
    expect(lines.some((l) => l.includes('"failed"') && l.includes('byob_2'))).toBe(true);
  });

  it('waits for the lines of an invocation that throws, and still throws', async () => {
    const lines = captured();
    const handler = lazyHandler(() => async () => {
      logger.error('about to throw');
      throw new Error('boom');
    });

    await expect(handler()).rejects.toThrow('boom');
    expect(lines.some((l) => l.includes('about to throw'))).toBe(true);
  });
});

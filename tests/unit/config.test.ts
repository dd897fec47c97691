import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.js';
import { localEnv } from '../support/fakes.js';

describe('REVERIFY_INTERVAL', () => {
  it('defaults to P1D and reads any ISO-8601 duration of weeks to seconds', () => {
    expect(parseConfig(localEnv()).reverifyIntervalMs).toBe(86_400_000);
    expect(parseConfig(localEnv({ REVERIFY_INTERVAL: 'PT30S' })).reverifyIntervalMs).toBe(30_000);
    expect(parseConfig(localEnv({ REVERIFY_INTERVAL: '' })).reverifyIntervalMs).toBe(86_400_000);
  });

  it.each([
    ['daily', /REVERIFY_INTERVAL: an ISO-8601 duration/],
    ['P1M', /REVERIFY_INTERVAL: an ISO-8601 duration/],
    ['PT5S', /REVERIFY_INTERVAL: at least PT10S/],
    ['P100D', /REVERIFY_INTERVAL: at most P90D/],
  ])('names %j at cold start', (value, message) => {
    expect(() => parseConfig(localEnv({ REVERIFY_INTERVAL: value }))).toThrow(ConfigError);
    expect(() => parseConfig(localEnv({ REVERIFY_INTERVAL: value }))).toThrow(message);
  });
});

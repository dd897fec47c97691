import { describe, expect, it } from 'vitest';
import { isMissingBucket } from '../../../lib/aws/missing-bucket.js';

describe('isMissingBucket', () => {
  it.each([
    [404, 'NotFound', true],
    [404, 'Error', true],
    [undefined, 'NoSuchBucket', true],
    [undefined, 'NotFound', true],
    [403, 'Forbidden', false],
    [301, 'PermanentRedirect', false],
    [500, 'InternalError', false],
    [undefined, 'AccessDenied', false],
  ])('HTTP %s with %s: %s', (status, name, missing) => {
    expect(isMissingBucket(status, name)).toBe(missing);
  });
});

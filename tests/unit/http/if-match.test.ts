import { describe, expect, it } from 'vitest';
import { etagOf, parseIfMatch } from '../../../lib/http/if-match.js';

describe('etagOf and parseIfMatch', () => {
  it('the ETag of a version is the version quoted, and an If-Match of it matches that version only', () => {
    const match = parseIfMatch(etagOf(7))!;

    expect(etagOf(7)).toBe('"7"');
    expect([6, 7, 8].map(match)).toEqual([false, true, false]);
  });

  it('accepts any version for *, and each version of a list', () => {
    expect(parseIfMatch(' * ')!(123)).toBe(true);
    expect([1, 2, 3].map(parseIfMatch('"1" ,"3"')!)).toEqual([true, false, true]);
  });

  it('compares strongly: a weak tag, an unquoted number or garbage never matches', () => {
    for (const header of ['W/"7"', '7', 'stale-0', '"stale-0"', '""']) expect(parseIfMatch(header)!(7)).toBe(false);
  });

  it('no header, or an empty one, is no condition', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('  ')).toBeUndefined();
  });
});

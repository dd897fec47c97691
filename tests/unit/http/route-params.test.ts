import { describe, expect, it } from 'vitest';
import { IdPath, ListQuery } from '../../../lib/http/route-params.js';
import { Status } from '../../../lib/provisioning/state-machine.js';

// API Gateway hands query and path parameters over as strings; these schemas are the whole contract
// of the read routes' parameters.
const REQUEST_ID = 'byob_01JQC00000000000000000TEST';

describe('ListQuery (GET /byob)', () => {
  it('defaults to 20 items and takes the limit as the string API Gateway sends', () => {
    expect(ListQuery.parse({})).toEqual({ limit: 20 });
    expect(ListQuery.parse({ limit: '100', cursor: REQUEST_ID, status: 'READY' })).toEqual({ limit: 100, cursor: REQUEST_ID, status: 'READY' });
  });

  it('accepts every status as a filter', () => {
    for (const status of Status.options) expect(ListQuery.parse({ status }).status).toBe(status);
  });

  it.each<[string, Record<string, string>]>([
    ['a limit of 0', { limit: '0' }],
    ['a limit over 100', { limit: '101' }],
    ['a fractional limit', { limit: '2.5' }],
    ['a limit that is not a number', { limit: 'ten' }],
    ['an unknown status', { status: 'ready' }],
    ['a cursor over 1024 characters', { cursor: 'c'.repeat(1025) }],
    ['an unknown parameter', { sort: 'asc' }],
  ])('refuses %s', (_name, query) => {
    expect(ListQuery.safeParse(query).success).toBe(false);
  });
});

describe('IdPath (/byob/{id})', () => {
  it('accepts a BYOB request id', () => {
    expect(IdPath.parse({ id: REQUEST_ID })).toEqual({ id: REQUEST_ID });
  });

  it.each<[string, Record<string, string>]>([
    ['no id', {}],
    ['another prefix', { id: 'stack_01JQC00000000000000000TEST' }],
    ['a lower-case ULID', { id: REQUEST_ID.toLowerCase() }],
    ['a ULID one character short', { id: REQUEST_ID.slice(0, -1) }],
    ['a ULID with I, L, O or U (not Crockford base 32)', { id: 'byob_01JQC00000000000000000TESI' }],
    ['a path traversal', { id: '../settings' }],
    ['an extra parameter', { id: REQUEST_ID, other: 'x' }],
  ])('refuses %s', (_name, path) => {
    expect(IdPath.safeParse(path).success).toBe(false);
  });
});

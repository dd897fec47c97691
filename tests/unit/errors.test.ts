import { describe, expect, it } from 'vitest';
import { AppError, ConflictError, DependencyError, NotFoundError, toProblem, TooManyRequestsError, ValidationError } from '../../lib/errors.js';

describe('toProblem', () => {
  it('maps a client error to its problem with its detail and extension members', () => {
    const p = toProblem(new ValidationError([{ path: 'region', message: 'must be an AWS region code' }]));
    expect(p).toMatchObject({ status: 400, title: 'Invalid request', errors: [{ path: 'region', message: 'must be an AWS region code' }] });
    expect(p.type).toMatch(/validation-error$/);
    expect(toProblem(new NotFoundError()).status).toBe(404);
    expect(toProblem(new ConflictError('busy')).detail).toBe('busy');
  });

  it('never echoes the internals of a 5xx, ours or anyone else\'s', () => {
    const ours = toProblem(new AppError(503, 'x', 'Unavailable', 'table arn:aws:dynamodb:… throttled'));
    expect(ours.status).toBe(503);
    expect(ours.detail).not.toMatch(/arn:aws/);
    const theirs = toProblem(new Error('secret at /var/task/lib/x.ts:12'));
    expect(theirs).toMatchObject({ status: 500, title: 'Internal error' });
    expect(JSON.stringify(theirs)).not.toMatch(/secret|var\/task/);
  });

  it('keeps what Retry-After and dependency failures need', () => {
    const limited = new TooManyRequestsError(7, 600, 60);
    expect(limited.retryAfterSeconds).toBe(7);
    expect(toProblem(limited)).toMatchObject({ status: 429 });
    expect(toProblem(new DependencyError('CloudFormation did not answer'))).toMatchObject({ status: 503, title: 'Service unavailable' });
  });

  it('keeps the cause of a wrapped error for the logs', () => {
    const cause = new Error('socket hang up');
    expect(new AppError(503, 'x', 'y', 'z', { cause }).cause).toBe(cause);
  });
});

import { describe, expect, it } from 'vitest';
import { AppError, asAppError, ConflictError, DEPENDENCY_RETRY_AFTER_SECONDS, DependencyError, NotFoundError, toProblem, TooManyRequestsError, ValidationError } from '../../lib/errors.js';

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

describe('asAppError', () => {
  it('answers an AppError as it is', () => {
    const conflict = new ConflictError('busy');

    expect(asAppError(conflict)).toBe(conflict);
  });

  it('turns AWS failing (time-out, refused connection, throttling, 5xx) into a 503 that says when to retry', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });

    const mapped = asAppError(refused);

    expect(mapped).toBeInstanceOf(DependencyError);
    expect(mapped).toMatchObject({ status: 503, retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS, cause: refused });
    expect(toProblem(refused)).toMatchObject({ status: 503, title: 'Service unavailable', type: expect.stringMatching(/dependency-unavailable$/) });
    expect(JSON.stringify(toProblem(refused))).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it('leaves anything else unmapped: a 500', () => {
    expect(asAppError(new TypeError('x is undefined'))).toBeUndefined();
    expect(toProblem(new TypeError('x is undefined')).status).toBe(500);
  });

  it('gives every 503 its Retry-After', () => {
    expect(new DependencyError('Quick-create is not configured').retryAfterSeconds).toBe(DEPENDENCY_RETRY_AFTER_SECONDS);
  });
});

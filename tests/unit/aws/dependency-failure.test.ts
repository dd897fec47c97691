import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isDependencyFailure } from '../../../lib/aws/dependency-failure.js';

// The shapes the SDK throws, built as it builds them: a service exception with $fault and
// $metadata, the request handler's TimeoutError, Node's socket errors with their code.
const serviceError = (name: string, status: number, fault: 'client' | 'server') =>
  Object.assign(new Error(`${name} from the service`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code });

describe('isDependencyFailure', () => {
  it.each([
    ['the request handler timing an attempt out', Object.assign(new Error('request timed out'), { name: 'TimeoutError' })],
    ['a refused connection (the emulator gone)', socketError('ECONNREFUSED')],
    ['a reset connection', socketError('ECONNRESET')],
    ['a DNS failure reaching the endpoint', socketError('EAI_AGAIN')],
    ['DynamoDB throttling after the retries', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } })],
    ['a service ThrottlingException', serviceError('ThrottlingException', 400, 'client')],
    ['S3 asking to slow down', serviceError('SlowDown', 503, 'server')],
    ['a 500 from the service', serviceError('InternalFailure', 500, 'server')],
    ['a bare 503 with no modelled name', serviceError('UnknownError', 503, 'client')],
    ['a 429 with no modelled name', serviceError('UnknownError', 429, 'client')],
  ])('is true for %s', (_name, error) => {
    expect(isDependencyFailure(error)).toBe(true);
  });

  it('looks through wrappers (the idempotency library wraps its store errors)', () => {
    const wrapped = new Error('Failed to save in progress record', { cause: new Error('persistence layer', { cause: socketError('ECONNREFUSED') }) });

    expect(isDependencyFailure(wrapped)).toBe(true);
  });

  it.each([
    ['a failed condition (our own conflict)', new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } })],
    ['access denied (a configuration error)', serviceError('AccessDenied', 403, 'client')],
    ['a validation error from the service', serviceError('ValidationError', 400, 'client')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'Item')")],
    ['a value that is not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('is false for %s', (_name, error) => {
    expect(isDependencyFailure(error)).toBe(false);
  });

  it('stops looking after a few levels, so a cause cycle cannot loop', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;

    expect(isDependencyFailure(a)).toBe(false);
  });
});

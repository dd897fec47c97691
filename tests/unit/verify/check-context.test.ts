import { describe, expect, it } from 'vitest';
import {
  VENDOR_BUCKET_ACTIONS,
  VENDOR_KEY_POLICY_ACTIONS,
  VENDOR_VERIFY_BUCKET_ACTIONS,
  VENDOR_VERIFY_KEY_ACTIONS,
  VENDOR_VERIFY_PROBE_ACTIONS,
} from '../../../templates/grants.js';
import { globMatch } from '../../../lib/verify/bucket-policy.js';
import { CallError, VERIFIER_OPERATIONS, failed, passed, warning } from '../../../lib/verify/check-context.js';
import { awsError } from './fake-bucket.js';

describe('VERIFIER_OPERATIONS', () => {
  const granted = [...VENDOR_BUCKET_ACTIONS, ...VENDOR_VERIFY_BUCKET_ACTIONS, ...VENDOR_VERIFY_PROBE_ACTIONS, ...VENDOR_KEY_POLICY_ACTIONS, ...VENDOR_VERIFY_KEY_ACTIONS];
  const isGranted = (action: string) => granted.some((pattern) => globMatch(pattern.toLowerCase(), action.toLowerCase()));

  // S3 answers GetBucketPolicy only to the bucket owner's account, so the template does not grant it and the check warns.
  it('needs only actions the rendered template grants the vendor, except reading the bucket policy', () => {
    const notGranted = Object.entries(VERIFIER_OPERATIONS).filter(([, action]) => !isGranted(action)).map(([operation]) => operation);

    expect(notGranted).toEqual(['GetBucketPolicy']);
  });
});

describe('CallError', () => {
  it('names the operation and keeps what AWS answered as its cause', () => {
    const cause = awsError('NoSuchBucket', 404);

    const error = new CallError('GetBucketVersioning', cause);

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'CallError', operation: 'GetBucketVersioning', message: 'GetBucketVersioning', cause });
  });
});

describe('outcomes', () => {
  it('carry a remediation only when they did not pass', () => {
    expect(passed('ok')).toEqual({ status: 'passed', detail: 'ok' });
    expect(failed('bad', 'fix it')).toEqual({ status: 'failed', detail: 'bad', remediation: 'fix it' });
    expect(warning('meh', 'tune it')).toEqual({ status: 'warning', detail: 'meh', remediation: 'tune it' });
  });
});

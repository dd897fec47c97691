import { describe, expect, it } from 'vitest';
import {
  bucketPolicyCommands,
  cancelKeyDeletionCommands,
  corsCommands,
  corsMaxAgeCommands,
  enableKeyCommands,
  encryptionCommands,
  ownershipCommands,
  publicAccessBlockCommands,
  recreateBucketCommands,
  shellWord,
  versioningCommands,
} from '../../../lib/verify/cli-commands.js';
import { BUCKET, BUCKET_ARN, KEY_ARN, ORIGIN, VENDOR, expectation, seedPolicy } from './fake-bucket.js';

/** The JSON argument of `--name` in a command (single-quoted, as the builders emit it). */
const jsonArg = (command: string, name: string): any => {
  const m = new RegExp(`--${name} '((?:[^']|'\\\\'')*)'`).exec(command);
  if (!m) throw new Error(`no --${name} in ${command}`);
  return JSON.parse(m[1]!.replace(/'\\''/g, "'"));
};

const exp = expectation();

describe('shellWord', () => {
  it.each([
    ['my-bucket', 'my-bucket'],
    [KEY_ARN, KEY_ARN],
    ['{"Status":"Enabled"}', `'{"Status":"Enabled"}'`],
    ["it's", `'it'\\''s'`],
  ])('%s → %s', (value, word) => {
    expect(shellWord(value)).toBe(word);
  });
});

describe('commands that put one setting back', () => {
  it('versioning, encryption, public access block and ownership, each with the bucket and its region', () => {
    expect(versioningCommands(exp)).toEqual([`aws s3api put-bucket-versioning --bucket ${BUCKET} --versioning-configuration '{"Status":"Enabled"}' --region eu-west-1`]);
    expect(jsonArg(encryptionCommands(exp)[0]!, 'server-side-encryption-configuration')).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN }, BucketKeyEnabled: true }],
    });
    expect(jsonArg(encryptionCommands(expectation({ encryption: { type: 'sse-s3' } }))[0]!, 'server-side-encryption-configuration')).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(jsonArg(publicAccessBlockCommands(exp)[0]!, 'public-access-block-configuration')).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(ownershipCommands(exp)[0]).toMatch(/^aws s3api put-bucket-ownership-controls --bucket \S+ --ownership-controls '\{"Rules":\[\{"ObjectOwnership":"BucketOwnerEnforced"\}\]\}' --region eu-west-1$/);
  });

  it('a disabled key is enabled; a key pending deletion is first cancelled, which leaves it disabled, then enabled', () => {
    expect(enableKeyCommands(exp)).toEqual([`aws kms enable-key --key-id ${KEY_ARN} --region eu-west-1`]);
    expect(cancelKeyDeletionCommands(exp)).toEqual([`aws kms cancel-key-deletion --key-id ${KEY_ARN} --region eu-west-1`, `aws kms enable-key --key-id ${KEY_ARN} --region eu-west-1`]);
  });
});

describe('corsCommands', () => {
  it("puts a rule for the missing origin first and keeps every existing rule as it is", () => {
    const existing = [{ ID: 'viewer', AllowedOrigins: ['https://viewer.example.com'], AllowedMethods: ['GET'], AllowedHeaders: undefined, MaxAgeSeconds: 60 }];

    const [command] = corsCommands(expectation({ corsMaxAgeSeconds: 600 }), existing, [ORIGIN]);

    expect(command).toMatch(/^aws s3api put-bucket-cors --bucket \S+ --cors-configuration '/);
    expect(jsonArg(command!, 'cors-configuration')).toEqual({
      CORSRules: [
        { AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 },
        { ID: 'viewer', AllowedOrigins: ['https://viewer.example.com'], AllowedMethods: ['GET'], MaxAgeSeconds: 60 },
      ],
    });
  });

  it('raises only the short max age of the rules it is given', () => {
    const short = { AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 5 };
    const other = { AllowedOrigins: ['*'], AllowedMethods: ['GET'], MaxAgeSeconds: 5 };

    const [command] = corsMaxAgeCommands(expectation({ corsMaxAgeSeconds: 3600 }), [short, other], new Set([short]));

    expect(jsonArg(command!, 'cors-configuration').CORSRules.map((r: { MaxAgeSeconds: number }) => r.MaxAgeSeconds)).toEqual([3600, 5]);
  });
});

describe('bucketPolicyCommands', () => {
  const policyOf = (command: string) => jsonArg(command, 'policy') as { Id: string; Statement: Array<{ Sid?: string; Effect: string; Action: unknown }> };
  const customer = { Sid: 'AnalyticsRead', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/analytics' }, Action: 's3:GetObject', Resource: `${BUCKET_ARN}/*` };

  it('with no policy, puts the template policy: the vendor grant, its verification statements and the TLS-only and TLS 1.2 denies', () => {
    const policy = policyOf(bucketPolicyCommands(exp, null)[0]!);

    expect(policy.Id).toBe('ByobVendorAccess');
    expect(policy.Statement.map((s) => s.Sid)).toEqual(['VendorAccountAccess', 'VendorVerification', 'VendorVerificationProbeCleanup', 'DenyInsecureTransport', 'DenyOutdatedTls']);
    expect(JSON.stringify(policy)).toContain(VENDOR);
  });

  it("puts a narrowed vendor grant back and keeps the customer's own statements", () => {
    const narrowed = { Sid: 'VendorAccountAccess', Effect: 'Allow', Principal: { AWS: VENDOR }, Action: ['s3:GetObject*'], Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`] };

    const policy = policyOf(bucketPolicyCommands(exp, { Version: '2012-10-17', Id: 'Mine', Statement: [customer, narrowed] })[0]!);

    expect(policy.Id).toBe('Mine');
    expect(policy.Statement[0]).toEqual(customer);
    expect(policy.Statement.filter((s) => s.Sid === 'VendorAccountAccess')).toHaveLength(1);
    expect((policy.Statement.find((s) => s.Sid === 'VendorAccountAccess')!.Action as string[]).length).toBe(11);
  });

  it('removes a Deny that hits the vendor, and only that one', () => {
    const lock = { Sid: 'Lock', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` };
    const current = { ...seedPolicy(), Statement: [...seedPolicy().Statement, customer, lock] };

    const policy = policyOf(bucketPolicyCommands(exp, current)[0]!);

    expect(policy.Statement.map((s) => s.Sid)).toEqual(['WAndBAccountAccess', 'AnalyticsRead', 'VendorAccountAccess', 'VendorVerification', 'VendorVerificationProbeCleanup', 'DenyInsecureTransport', 'DenyOutdatedTls']);
  });

  it('quotes a policy holding a single quote so the shell passes it through unchanged', () => {
    const quoted = { ...customer, Sid: "Bob's" };

    const command = bucketPolicyCommands(exp, { Version: '2012-10-17', Statement: [quoted] })[0]!;

    expect(policyOf(command).Statement[0]!.Sid).toBe("Bob's");
  });
});

describe('recreateBucketCommands', () => {
  it('creates the bucket in its region, then applies every setting the checks expect, the policy last', () => {
    const commands = recreateBucketCommands(exp);

    expect(commands.map((c) => c.split(' ')[2])).toEqual([
      'create-bucket',
      'put-public-access-block',
      'put-bucket-ownership-controls',
      'put-bucket-versioning',
      'put-bucket-encryption',
      'put-bucket-cors',
      'put-bucket-policy',
    ]);
    expect(jsonArg(commands[0]!, 'create-bucket-configuration')).toEqual({ LocationConstraint: 'eu-west-1' });
    expect(recreateBucketCommands(expectation({ region: 'us-east-1' }))[0]).toBe(`aws s3api create-bucket --bucket ${BUCKET} --region us-east-1`);
  });
});

import { describe, expect, it } from 'vitest';
import { fieldProblems } from '../../../lib/http/http-handler.js';
import { CreateByobRequest } from '../../../lib/provisioning/request.js';

const valid = {
  scope: 'team',
  team: 'omega',
  region: 'eu-west-1',
  bucketName: 'acme-omega-artifacts',
  encryption: { type: 'sse-kms' },
  cors: { allowedOrigins: ['https://app.example.com'] },
  accessRole: { enabled: true },
  launch: { mode: 'direct' },
  callbackUrl: 'https://portal.example.com/hooks/byob',
  tags: { 'cost-center': 'ml' },
};

const problemsOf = (body: unknown) => {
  const r = CreateByobRequest.safeParse(body);
  return r.success ? [] : fieldProblems(r.error);
};

describe('CreateByobRequest', () => {
  it('accepts the design document example', () => {
    expect(CreateByobRequest.parse(valid)).toMatchObject({ scope: 'team', team: 'omega' });
  });

  it('defaults encryption to a new KMS key', () => {
    const { encryption: _e, ...rest } = valid;
    expect(CreateByobRequest.parse(rest).encryption).toEqual({ type: 'sse-kms' });
  });

  it('accepts instance scope without team, sse-s3, quick-create and the seed 004 CORS preset', () => {
    const { team: _t, ...rest } = valid;
    expect(
      CreateByobRequest.safeParse({ ...rest, scope: 'instance', encryption: { type: 'sse-s3' }, launch: { mode: 'quick-create' }, cors: { preset: 'valohai', appOrigin: 'https://app.valohai.com' } }).success,
    ).toBe(true);
  });

  const bad: Array<[string, unknown, string]> = [
    ['not an object', 'hello', 'body'],
    ['null body', null, 'body'],
    ['array body', [], 'body'],
    ['missing scope', { ...valid, scope: undefined }, 'scope'],
    ['unknown scope', { ...valid, scope: 'org' }, 'scope'],
    ['team scope without team', { ...valid, team: undefined }, 'team'],
    ['instance scope with team', { ...valid, scope: 'instance' }, 'team'],
    ['team with uppercase', { ...valid, team: 'Omega' }, 'team'],
    ['team too long', { ...valid, team: 'a'.repeat(49) }, 'team'],
    ['missing region', { ...valid, region: undefined }, 'region'],
    ['fake region', { ...valid, region: 'eu-west-9' }, 'region'],
    ['region in another partition', { ...valid, region: 'cn-north-1' }, 'region'],
    ['bucket name too short', { ...valid, bucketName: 'ab' }, 'bucketName'],
    ['bucket name too long', { ...valid, bucketName: 'a'.repeat(64) }, 'bucketName'],
    ['bucket name uppercase', { ...valid, bucketName: 'Acme-Bucket' }, 'bucketName'],
    ['bucket name underscore', { ...valid, bucketName: 'acme_bucket' }, 'bucketName'],
    ['bucket name with dots', { ...valid, bucketName: 'acme.bucket' }, 'bucketName'],
    ['bucket name starting with hyphen', { ...valid, bucketName: '-acme' }, 'bucketName'],
    ['bucket name xn-- prefix', { ...valid, bucketName: 'xn--acme' }, 'bucketName'],
    ['bucket name -s3alias suffix', { ...valid, bucketName: 'acme-s3alias' }, 'bucketName'],
    ['bucket name IP-like', { ...valid, bucketName: '192.168.5.4' }, 'bucketName'],
    ['unknown encryption type', { ...valid, encryption: { type: 'sse-c' } }, 'encryption.type'],
    ['kms key that is not an ARN', { ...valid, encryption: { type: 'sse-kms', kmsKeyArn: 'alias/mine' } }, 'encryption.kmsKeyArn'],
    ['kms key in another region', { ...valid, encryption: { type: 'sse-kms', kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' } }, 'encryption.kmsKeyArn'],
    ['sse-s3 with a key', { ...valid, encryption: { type: 'sse-s3', kmsKeyArn: 'x' } }, 'encryption.kmsKeyArn'],
    ['missing cors', { ...valid, cors: undefined }, 'cors'],
    ['http origin', { ...valid, cors: { allowedOrigins: ['http://app.example.com'] } }, 'cors'],
    ['origin with a path', { ...valid, cors: { allowedOrigins: ['https://app.example.com/x'] } }, 'cors'],
    ['no origins', { ...valid, cors: { allowedOrigins: [] } }, 'cors'],
    ['unknown cors method', { ...valid, cors: { allowedOrigins: ['*'], allowedMethods: ['PATCH'] } }, 'cors'],
    ['negative max age', { ...valid, cors: { allowedOrigins: ['*'], maxAgeSeconds: -1 } }, 'cors'],
    ['accessRole not an object', { ...valid, accessRole: true }, 'accessRole'],
    ['accessRole carrying an externalId', { ...valid, accessRole: { enabled: true, externalId: 'mine' } }, 'accessRole.externalId'],
    ['missing launch', { ...valid, launch: undefined }, 'launch'],
    ['unknown launch mode', { ...valid, launch: { mode: 'terraform' } }, 'launch.mode'],
    ['role ARN that is a user', { ...valid, launch: { mode: 'direct', roleArn: 'arn:aws:iam::111122223333:user/bob' } }, 'launch.roleArn'],
    ['role ARN with a short account', { ...valid, launch: { mode: 'direct', roleArn: 'arn:aws:iam::1111:role/deploy' } }, 'launch.roleArn'],
    ['quick-create with a role', { ...valid, launch: { mode: 'quick-create', roleArn: 'arn:aws:iam::111122223333:role/deploy' } }, 'launch.roleArn'],
    ['callbackUrl not a URL', { ...valid, callbackUrl: 'portal' }, 'callbackUrl'],
    ['callbackUrl ftp', { ...valid, callbackUrl: 'ftp://portal.example.com/x' }, 'callbackUrl'],
    ['tags not strings', { ...valid, tags: { a: 1 } }, 'tags.a'],
    ['reserved tag prefix', { ...valid, tags: { 'aws:x': 'y' } }, 'tags'],
    ['tag value with braces', { ...valid, tags: { a: '{"Ref":"AWS::AccountId"}' } }, 'tags.a'],
    ['unknown top-level field', { ...valid, vendorAccountId: '123456789012' }, 'vendorAccountId'],
    ['__proto__ key', JSON.parse('{"__proto__": {"polluted": true}, "scope": "instance", "region": "eu-west-1", "cors": {"allowedOrigins": ["*"]}, "launch": {"mode": "direct"}}'), '__proto__'],
    ['wrong type for scope', { ...valid, scope: 7 }, 'scope'],
  ];

  it.each(bad)('rejects %s, naming the field', (_name, body, path) => {
    const problems = problemsOf(body);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.path).some((p) => p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`))).toBe(true);
    for (const p of problems) expect(p.message.length).toBeGreaterThan(0);
  });

  it('has at least 30 rejected bodies', () => {
    expect(bad.length).toBeGreaterThanOrEqual(30);
  });

  it('reports every bad field at once, not the first only', () => {
    const paths = problemsOf({ ...valid, region: 'mars-1', bucketName: 'X', team: 'BAD TEAM' }).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['region', 'bucketName', 'team']));
  });
});

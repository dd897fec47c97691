import { GetBucketEncryptionCommand } from '@aws-sdk/client-s3';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { CallError, failed, passed, warning, type CheckContext, type Outcome } from './check-context.js';
import { encryptionCommands } from './cli-commands.js';
import { encryptionRemediation, errorName } from './remediation.js';

type KeyRef =
  | { kind: 'key-arn' | 'alias-arn'; partition: string; region: string; account: string; id: string }
  | { kind: 'key-id' | 'alias-name'; id: string };

const parseKeyRef = (ref: string): KeyRef => {
  const arn = /^arn:([^:]+):kms:([^:]*):(\d{12}):(key|alias)\/(.+)$/.exec(ref);
  if (arn) {
    const [, partition = '', region = '', account = '', kind, id = ''] = arn;
    return { kind: kind === 'key' ? 'key-arn' : 'alias-arn', partition, region, account, id: kind === 'key' ? id.toLowerCase() : `alias/${id}` };
  }
  if (ref.startsWith('alias/')) return { kind: 'alias-name', id: ref };
  return { kind: 'key-id', id: ref.toLowerCase() };
};

type KeyMatch = { result: 'match' | 'mismatch'; resolvedArn?: string } | { result: 'unresolved'; reason: string };

/**
 * Whether the key named in the bucket's default encryption is the expected key. Key ARNs and key ids
 * compare directly (ids are unique); aliases are resolved with DescribeKey. A bare alias or key id is
 * resolved by S3 in the bucket owner's account, so it is qualified with the expected key's account and
 * region first: DescribeKey of a bare alias would otherwise look in the verifier's own account.
 */
export const matchKmsKey = async (
  configured: string,
  expectedArn: string,
  describe?: (keyId: string) => Promise<string | undefined>,
): Promise<KeyMatch> => {
  const want = parseKeyRef(expectedArn);
  const have = parseKeyRef(configured);
  const isKey = (r: KeyRef) => r.kind === 'key-arn' || r.kind === 'key-id';
  if (isKey(want) && isKey(have)) {
    const sameId = want.id === have.id;
    const sameAccount = !(want.kind === 'key-arn' && have.kind === 'key-arn') || (want.account === have.account && want.region === have.region && want.partition === have.partition);
    return { result: sameId && sameAccount ? 'match' : 'mismatch' };
  }
  if (!describe) return { result: 'unresolved', reason: 'an alias cannot be resolved without KMS access' };
  const qualify = (r: KeyRef, raw: string) =>
    (r.kind === 'alias-name' || r.kind === 'key-id') && (want.kind === 'key-arn' || want.kind === 'alias-arn')
      ? `arn:${want.partition}:kms:${want.region}:${want.account}:${r.kind === 'alias-name' ? r.id : `key/${r.id}`}`
      : raw;
  try {
    const [a, b] = await Promise.all([describe(qualify(have, configured)), describe(expectedArn)]);
    if (!a || !b) return { result: 'unresolved', reason: 'DescribeKey returned no ARN' };
    return { result: a === b ? 'match' : 'mismatch', resolvedArn: a };
  } catch (error) {
    return { result: 'unresolved', reason: `DescribeKey answered ${errorName(error instanceof CallError ? error.cause : error)}` };
  }
};

/** The `encryption` check: default encryption is the expected kind and, for SSE-KMS, the expected key with the bucket key on. */
export const checkEncryption = async (ctx: CheckContext): Promise<Outcome> => {
  const { exp, deps } = ctx;
  const expected = exp.encryption;
  if (!expected) return passed('No encryption expectation.');
  const out = await ctx.call('GetBucketEncryption', (o) => deps.s3.send(new GetBucketEncryptionCommand({ Bucket: exp.bucketName }), o));
  const rule = out.ServerSideEncryptionConfiguration?.Rules?.find((r) => r.ApplyServerSideEncryptionByDefault);
  const algorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  const remediation = encryptionRemediation(exp);
  const commands = encryptionCommands(exp);
  if (!rule || !algorithm) return failed('The bucket has no default encryption rule.', remediation, commands);

  if (expected.type === 'sse-s3') {
    if (algorithm === 'AES256') return passed('Default encryption is SSE-S3 (AES256).');
    return failed(`Default encryption is ${algorithm}, expected SSE-S3 (AES256): the vendor would need access to that key.`, remediation, commands);
  }
  if (algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') {
    return failed(`Default encryption is ${algorithm}, expected SSE-KMS with ${expected.kmsKeyArn}.`, remediation, commands);
  }
  const configuredKey = rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  if (!configuredKey) {
    return failed('Default encryption uses the AWS managed key aws/s3, which cannot be shared with the vendor account.', remediation, commands);
  }
  const kms = ctx.kms;
  const describe = kms
    ? async (keyId: string) =>
        (await ctx.call('DescribeKey', (o) => kms.send(new DescribeKeyCommand({ KeyId: keyId }), o))).KeyMetadata?.Arn
    : undefined;
  const match = await matchKmsKey(configuredKey, expected.kmsKeyArn, describe);
  if (match.result === 'mismatch') {
    return failed(`Default encryption uses KMS key ${match.resolvedArn ?? configuredKey}, expected ${expected.kmsKeyArn}.`, remediation, commands);
  }
  if (match.result === 'unresolved') {
    return warning(`Default encryption names ${configuredKey}, which could not be confirmed to be ${expected.kmsKeyArn} (${match.reason}).`, `Name the key by its ARN in the default encryption: ${remediation}`, commands);
  }
  const via = configuredKey === expected.kmsKeyArn ? '' : ` (named as ${configuredKey})`;
  if (algorithm === 'aws:kms:dsse') {
    return warning(`Default encryption is DSSE-KMS with the expected key${via}; bucket keys do not apply to it, so every object costs KMS requests.`, remediation, commands);
  }
  if (rule.BucketKeyEnabled !== true) {
    return warning(`Default encryption is SSE-KMS with the expected key${via}, but the S3 bucket key is off, so every object operation calls KMS (cost, throttling).`, remediation, commands);
  }
  return passed(`Default encryption is SSE-KMS with ${expected.kmsKeyArn}${via} and the bucket key on.`);
};

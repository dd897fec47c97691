import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { VERIFY_PROBE_PREFIX } from '../../templates/grants.js';
import { CallError, failed, passed, type CheckContext, type Operation, type Outcome } from './check-context.js';
import { encryptionCommands } from './cli-commands.js';
import { encryptionRemediation, errorName, outcomeOfError } from './remediation.js';

const probeKey = (id: string) => `${VERIFY_PROBE_PREFIX}${id.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64) || 'probe'}`;

interface Cleanup {
  removed: number;
  left: string[];
  failure?: Outcome;
}

/** Deletes every version and delete marker of `key`, then confirms none is left. */
const cleanUpProbe = async (ctx: CheckContext, key: string): Promise<Cleanup> => {
  const { deps, exp } = ctx;
  const Bucket = exp.bucketName;
  const listVersions = async () => {
    const found: Array<{ VersionId?: string; marker: boolean }> = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let page = 0; page < 20; page++) {
      const out = await ctx.call('ListObjectVersions', (o) => deps.s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: key, KeyMarker, VersionIdMarker }), o));
      for (const v of out.Versions ?? []) if (v.Key === key) found.push({ VersionId: v.VersionId, marker: false });
      for (const m of out.DeleteMarkers ?? []) if (m.Key === key) found.push({ VersionId: m.VersionId, marker: true });
      if (!out.IsTruncated) break;
      KeyMarker = out.NextKeyMarker;
      VersionIdMarker = out.NextVersionIdMarker;
    }
    return found;
  };
  let removed = 0;
  try {
    let versions: Awaited<ReturnType<typeof listVersions>>;
    try {
      versions = await listVersions();
    } catch (error) {
      // Some S3-compatible stores have no version listing; a plain delete is all they need.
      if (!(error instanceof CallError) || !['NotImplemented', 'NotImplementedException'].includes(errorName(error.cause))) throw error;
      await ctx.call('DeleteObject', (o) => deps.s3.send(new DeleteObjectCommand({ Bucket, Key: key }), o));
      const listed = await ctx.call('ListObjectsV2', (o) => deps.s3.send(new ListObjectsV2Command({ Bucket, Prefix: key }), o));
      return { removed: 1, left: (listed.Contents ?? []).filter((c) => c.Key === key).map(() => `object ${key}`) };
    }
    for (const v of versions) {
      const op: Operation = v.VersionId ? 'DeleteObjectVersion' : 'DeleteObject';
      await ctx.call(op, (o) => deps.s3.send(new DeleteObjectCommand({ Bucket, Key: key, VersionId: v.VersionId }), o));
      removed++;
    }
    const after = await listVersions();
    const listed = await ctx.call('ListObjectsV2', (o) => deps.s3.send(new ListObjectsV2Command({ Bucket, Prefix: key }), o));
    const left = [
      ...after.map((v) => `${v.marker ? 'delete marker' : 'version'} ${v.VersionId ?? 'null'}`),
      ...(after.length === 0 ? (listed.Contents ?? []).filter((c) => c.Key === key).map(() => `object ${key}`) : []),
    ];
    return { removed, left };
  } catch (error) {
    const failure = error instanceof CallError ? outcomeOfError('probe', error.operation, error.cause, exp) : failed('Cleaning up the probe object failed unexpectedly.', 'Retry the verification.');
    return { removed, left: ['unknown (cleanup failed)'], failure };
  }
};

/** The `probe` check: write, read back and list an object under the probe prefix, then remove every trace of it. */
export const checkProbe = async (ctx: CheckContext): Promise<Outcome> => {
  const { deps, exp } = ctx;
  const Bucket = exp.bucketName;
  const key = probeKey(deps.randomId());
  const body = Buffer.from(`BYOB verification probe ${key} ${ctx.checkedAt}\n`, 'utf8');
  const encryption: Partial<PutObjectCommandInput> =
    exp.encryption?.type === 'sse-kms'
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: exp.encryption.kmsKeyArn }
      : exp.encryption?.type === 'sse-s3'
        ? { ServerSideEncryption: 'AES256' }
        : {};
  let outcome: Outcome | undefined;
  let wrote = false;
  try {
    // Content-MD5 lets the put succeed on buckets with Object Lock default retention, whatever the client's checksum setting.
    const put = await ctx.call('PutObject', (o) =>
      deps.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: 'text/plain', ContentMD5: createHash('md5').update(body).digest('base64'), ...encryption }), o),
    );
    wrote = true;
    if (encryption.ServerSideEncryption && put.ServerSideEncryption && put.ServerSideEncryption !== encryption.ServerSideEncryption) {
      outcome = failed(`The probe object was stored with ${put.ServerSideEncryption}, expected ${encryption.ServerSideEncryption}.`, encryptionRemediation(exp), encryptionCommands(exp));
    }
    const head = await ctx.call('HeadObject', (o) => deps.s3.send(new HeadObjectCommand({ Bucket, Key: key }), o));
    if (!outcome && head.ContentLength !== body.length) {
      outcome = failed(`HeadObject reported ${head.ContentLength ?? 'no'} bytes for the ${body.length}-byte probe object.`, 'Retry the verification; if it persists, contact support and quote this check.');
    }
    const got = await ctx.call('GetObject', (o) => deps.s3.send(new GetObjectCommand({ Bucket, Key: key }), o));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
    if (!outcome && !bytes.equals(body)) {
      outcome = failed('The probe object read back differs from what was written.', 'Retry the verification; if it persists, check for a proxy or lifecycle rule that rewrites objects under .byob-verify/.');
    }
    const listed = await ctx.call('ListObjectsV2', (o) => deps.s3.send(new ListObjectsV2Command({ Bucket, Prefix: key }), o));
    if (!outcome && !(listed.Contents ?? []).some((c) => c.Key === key)) {
      outcome = failed('The probe object was written but ListObjectsV2 does not list it.', 'Retry the verification in a minute.');
    }
  } catch (error) {
    outcome = error instanceof CallError ? outcomeOfError('probe', error.operation, error.cause, exp) : failed('The probe failed unexpectedly.', 'Retry the verification.');
  }
  // Clean up even after a failed step: a put that timed out may still have landed.
  const cleanup = await cleanUpProbe(ctx, key);
  if (outcome && !wrote && (cleanup.failure || cleanup.left.length === 0)) return outcome;
  const leftover = cleanup.left.length
    ? ` It could not remove everything it wrote under ${key} (${cleanup.left.join(', ')}).`
    : '';
  if (outcome) return { ...outcome, detail: `${outcome.detail}${leftover}` };
  if (cleanup.failure) {
    return { ...cleanup.failure, detail: `Wrote, read back and listed ${key}, but cleaning it up failed: ${cleanup.failure.detail}` };
  }
  if (cleanup.left.length) {
    return failed(
      `Wrote, read back and listed ${key}, but ${cleanup.left.join(', ')} ${cleanup.left.length === 1 ? 'is' : 'are'} left after deleting.`,
      `Delete what is left (aws s3api list-object-versions --bucket ${Bucket} --prefix ${key}, then delete-object with each --version-id), and check Object Lock or lifecycle settings that keep versions.`,
    );
  }
  return passed(`Wrote ${body.length} bytes to ${key}, read them back identical, listed the object, and deleted all ${cleanup.removed} version(s) and delete marker(s): nothing is left.`);
};

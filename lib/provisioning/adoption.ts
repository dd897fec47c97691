/**
 * Coming back after leaving. DELETE removes a request's stack but retains its bucket and key
 * (DeletionPolicy Retain), so a later request naming the same bucket would fail at CreateBucket. A
 * direct-mode request of the same tenant, for the same bucket name, region and launch account, adopts
 * them instead: its template creates no bucket and no key and only grants on them (bucket policy,
 * access role, outputs naming the retained bucket and key); the retained key's policy still holds its
 * statements. The bucket is then checked as POST /byob/verify checks it, by the verification every
 * stack gets once it completes (VERIFYING): one that fails ends FAILED with each check's fix, and
 * POST /byob/{id}/verify after the fix makes it READY. Checking before launch as well would put the
 * verification and the KMS client in POST /byob's bundle (+18 KB gzip, ~+10 ms of every cold start,
 * past issue 13's budget) to save a grant-only stack in the rare case. Another tenant naming the bucket
 * fails at CreateBucket, as before.
 *
 * Quick-create requests never adopt: their stack runs in an account the vendor cannot look into before
 * the customer launches it, so nothing could be checked (or even found) there in advance.
 *
 * CloudFormation resource import (a change set of type IMPORT) would bring the bucket and key back under
 * a stack, CORS and tags included; the emulator has no import, so adoption grants on them instead.
 */
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { isMissingBucket } from '../aws/missing-bucket.js';
import { ConflictError } from '../errors.js';
import { ROLE_ARN_PATTERN } from '../identifiers.js';
import type { Config } from '../config.js';
import type { Adoption, ByobRecord } from './record.js';
import { retryOnStale } from './stale-record.js';
import type { Store } from './store.js';
import type { WorkflowDeps } from './workflow.js';

/** What adopting needs: the store, configuration, and an S3 client acting for the request in its launch account. */
export interface AdoptionDeps extends WorkflowDeps {
  bucketS3For(record: ByobRecord): Promise<S3Client>;
}

/** The account a request's stack runs (or ran) in: as its outputs report it, else its deployment role's, else the vendor's own. */
export const launchAccountOf = (cfg: Config, record: ByobRecord): string =>
  record.outputs?.accountId ?? ROLE_ARN_PATTERN.exec(record.launch.roleArn ?? '')?.[1] ?? cfg.serviceAccountId;

/**
 * Whether the request that adopted a retained bucket still holds it. One whose stack never completed
 * (rolled back, taking its bucket policy with it) does not; neither does one that was never written.
 */
const holdsBucket = async (store: Store, tenant: string, adopterId: string): Promise<boolean> => {
  const adopter = await store.get(tenant, adopterId);
  return adopter !== null && !(adopter.status === 'FAILED' && adopter.outputs === null);
};

/**
 * The newest DELETED request of the record's tenant that retained its bucket (same name, region and
 * launch account) and that no request holding the bucket adopted since, or null.
 */
export const findRetainedBucket = async (deps: Pick<AdoptionDeps, 'store' | 'config'>, record: ByobRecord): Promise<ByobRecord | null> => {
  const account = launchAccountOf(deps.config, record);
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(record.tenant, { limit: 100, status: 'DELETED', cursor });
    for (const r of page.items) {
      if (r.outputs?.bucketName !== record.bucketName || r.region !== record.region || launchAccountOf(deps.config, r) !== account) continue;
      if (r.adoptedBy && (await holdsBucket(deps.store, r.tenant, r.adoptedBy))) continue;
      return r;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return null;
};

/** Why the request's encryption cannot be the retained bucket's, or null when it can. */
const encryptionMismatch = (record: ByobRecord, keyArn: string | null): string | null => {
  const wanted = record.encryption;
  if (keyArn === null) return wanted.type === 'sse-s3' ? null : 'it is encrypted with SSE-S3: ask for encryption {"type":"sse-s3"}';
  if (wanted.type === 'sse-s3') return `it is encrypted with KMS key ${keyArn}: ask for encryption {"type":"sse-kms"}`;
  if (wanted.kmsKeyArn !== undefined && wanted.kmsKeyArn !== keyArn) return `it is encrypted with KMS key ${keyArn}, not ${wanted.kmsKeyArn}`;
  return null;
};

/** Whether the bucket exists (HeadBucket): 404 is gone; any other answer, 403 included, means it is there. */
const bucketExists = async (s3: S3Client, bucketName: string): Promise<boolean> => {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucketName }));
    return true;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (isMissingBucket(status, e instanceof Error ? e.name : '')) return false;
    if (status === 403) return true;
    throw e;
  }
};

/**
 * What the new request (a direct-mode record not yet stored) adopts, or null when it creates its bucket
 * as usual: no retained bucket of that name, or the retained bucket is gone. Throws ConflictError (409,
 * naming bucketName) when the request asks for another encryption than the retained bucket has; every
 * other check (versioning, encryption with the retained key, public access block, ownership, CORS, the
 * key's state, the bucket policy the stack puts, the probe) runs once the stack completes.
 */
export const adoptionFor = async (deps: AdoptionDeps, record: ByobRecord): Promise<Adoption | null> => {
  if (record.launch.mode !== 'direct') return null;
  const retained = await findRetainedBucket(deps, record);
  if (!retained?.outputs) return null;
  const adoption: Adoption = { bucketName: retained.outputs.bucketName, kmsKeyArn: retained.outputs.kmsKeyArn, fromRequestId: retained.id };
  const mismatch = encryptionMismatch(record, adoption.kmsKeyArn);
  if (mismatch) {
    throw new ConflictError(`Bucket ${adoption.bucketName} was retained by request ${adoption.fromRequestId} and can be adopted only as it is: ${mismatch}.`, {
      bucketName: adoption.bucketName,
      fromRequestId: adoption.fromRequestId,
    });
  }
  // Deleted since it was retained: the name is free again, and the stack creates the bucket as usual.
  if (!(await bucketExists(await deps.bucketS3For(record), adoption.bucketName))) return null;
  return adoption;
};

/**
 * Marks the retained bucket's request as adopted by `adopter` (stored, holding its team's slot), so two
 * requests never adopt one bucket; false when another request that still holds the bucket was first.
 */
export const claimRetainedBucket = async (deps: Pick<WorkflowDeps, 'store' | 'clock'>, adopter: ByobRecord & { adopted: Adoption }): Promise<boolean> =>
  retryOnStale(adopter.adopted.fromRequestId, async () => {
    const source = await deps.store.get(adopter.tenant, adopter.adopted.fromRequestId);
    if (!source) return false;
    if (source.adoptedBy === adopter.id) return true;
    if (source.adoptedBy && (await holdsBucket(deps.store, adopter.tenant, source.adoptedBy))) return false;
    await deps.store.patch(source, { adoptedBy: adopter.id }, deps.clock().toISOString());
    return true;
  });

import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { type Config, parseConfig } from '../../lib/config.js';
import { LOCAL_NAMES, localServiceEnv } from '../../scripts/local-aws.js';
import type { Ids } from '../../lib/ids.js';
import type { ProvisioningDeps } from '../../lib/provisioning/workflow.js';
import type { ByobRecord, StoredVerification, ViewContext } from '../../lib/provisioning/record.js';
import { TEMPLATE_VERSION } from '../../templates/version.js';
import { MemoryStore } from './memory-store.js';

export const REGION = 'eu-central-1';
export const VENDOR_ACCOUNT = '123456789012';
export const T0 = new Date('2026-11-24T10:00:00.000Z');

/** The secret quick-create tokens are derived from, in these tests. */
export const LINK_KEY = 'unit-test-link-key-'.padEnd(48, 'k');

/** How webhooks and the idempotency store show records (no links), at the renderer's template version. */
export const VIEW: ViewContext = { latestTemplateVersion: TEMPLATE_VERSION };

/** The environment of the local stack (serverless.yml stage `local`), as lib/config reads it. */
export const localEnv = (over: Record<string, string> = {}): Record<string, string> => ({
  ...localServiceEnv({ jwks: '{"keys":[]}', linkKey: LINK_KEY, names: { ...LOCAL_NAMES, accountId: VENDOR_ACCOUNT } }),
  QUICK_CREATE_TTL_HOURS: '72',
  ...over,
});

/** Verification outcomes a test hands to the fake verifier. */
export const PASSED: StoredVerification = { status: 'passed', checkedAt: T0.toISOString(), checks: [{ id: 'versioning', status: 'passed', detail: 'Enabled' }] };
export const FAILED_CHECKS: StoredVerification = {
  status: 'failed',
  checkedAt: T0.toISOString(),
  checks: [{ id: 'versioning', status: 'failed', detail: 'Suspended', remediation: 'Enable versioning' }],
};

/** Deterministic ids. */
export const sequentialIds = (): Ids => {
  let n = 0;
  const next = () => String(++n).padStart(26, '0');
  return { requestId: () => `byob_${next()}`, eventId: () => `evt_${next()}`, updateId: () => `upd-${next()}`, token: (k) => 'x'.repeat(Math.ceil((k * 4) / 3)) };
};

/** A mutable clock a test moves. */
export const testClock = (start = T0) => {
  let now = start;
  return { now: () => now, set: (d: Date) => void (now = d) };
};

/** The fakes behind the provisioning workflow: memory store, clock, a verifier and webhook trigger that record calls. */
export const fakeDeps = (opts: { config?: Config; clock?: () => Date; verification?: StoredVerification } = {}) => {
  const store = new MemoryStore();
  const verified: ByobRecord[] = [];
  const delivered: ByobRecord[] = [];
  const clients = { cfn: new CloudFormationClient({ region: REGION }), s3: new S3Client({ region: REGION }), kms: new KMSClient({ region: REGION }) };
  const deps: ProvisioningDeps & { bucketS3For(record: ByobRecord): Promise<S3Client> } = {
    store,
    ids: sequentialIds(),
    clock: opts.clock ?? (() => T0),
    statusDeadlineMinutes: 30,
    config: opts.config ?? parseConfig(localEnv()),
    clientsFor: async () => clients,
    bucketS3For: async () => clients.s3,
    verify: async (record) => {
      verified.push(record);
      return opts.verification ?? PASSED;
    },
    deliverNow: async (record) => {
      delivered.push(record);
    },
  };
  return { deps, store, verified, delivered };
};


import { TEMPLATE_VERSION } from '../../templates/version.js';
import type { ByobRecord, CallbackState, InFlightUpdate, Outputs } from '../../lib/provisioning/record.js';
import type { OutboxItem } from '../../lib/provisioning/store.js';
import { hashToken, registrationToken } from '../../lib/quick-create/link.js';
import { LINK_KEY, REGION, T0, VENDOR_ACCOUNT } from './fakes.js';

/** The request most provisioning tests are about. */
export const REQUEST_ID = 'byob_01JQC00000000000000000TEST';

/** Its stack name (lib/ids stackNameFor). */
export const STACK_NAME = 'byob-01jqc00000000000000000test';

/** A direct-mode stack in the vendor's account, as CreateStack names it. */
export const DIRECT_STACK_ID = `arn:aws:cloudformation:${REGION}:${VENDOR_ACCOUNT}:stack/${STACK_NAME}/6b2f0f10-1c3b-11f0-9a0f-0a1b2c3d4e5f`;

/** The outputs a completed stack reports (DescribeStacks / stack output names). */
export const STACK_OUTPUTS: Record<string, string> = {
  BucketName: 'acme-omega-artifacts',
  BucketArn: 'arn:aws:s3:::acme-omega-artifacts',
  KmsKeyArn: `arn:aws:kms:${REGION}:${VENDOR_ACCOUNT}:key/0d5f4f5e-1c3b-4c55-9a0f-1234567890ab`,
  Region: REGION,
};

/** {@link STACK_OUTPUTS} as the record stores them. */
export const RECORD_OUTPUTS: Outputs = {
  bucketName: 'acme-omega-artifacts',
  bucketArn: 'arn:aws:s3:::acme-omega-artifacts',
  kmsKeyArn: STACK_OUTPUTS.KmsKeyArn!,
  region: REGION,
  roleArn: null,
  accountId: VENDOR_ACCOUNT,
};

/** A callback that has sent nothing yet. */
export const idleCallback = (url = 'https://portal.example.com/hooks/byob'): CallbackState => ({
  url,
  status: 'idle',
  attempts: 0,
  lastAttemptAt: null,
  lastError: null,
  nextAttemptAt: null,
});

/** A direct-mode request of tenant `acme`, team `omega`, whose stack was launched (CREATING, due 30 min after T0). */
export const directRecord = (over: Partial<ByobRecord> = {}): ByobRecord => ({
  tenant: 'acme',
  id: REQUEST_ID,
  status: 'CREATING',
  version: 3,
  scope: 'team',
  team: 'omega',
  region: REGION,
  bucketName: 'acme-omega-artifacts',
  encryption: { type: 'sse-kms' },
  corsRules: [],
  accessRole: false,
  launch: { mode: 'direct', roleArn: null, stackName: STACK_NAME, stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_IN_PROGRESS' },
  quickCreate: null,
  templateKey: `templates/${REQUEST_ID}/nonce.json`,
  templateBucket: `byob-local-templates-${REGION}`,
  // Records written now carry the version their stack was rendered at (the latest).
  templateVersion: TEMPLATE_VERSION,
  callback: null,
  tags: {},
  outputs: null,
  verification: null,
  failure: null,
  activeKey: 'team#omega',
  dueAt: new Date(T0.getTime() + 30 * 60_000).toISOString(),
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  ...over,
});

/** A direct-mode request not launched yet (killed before or during CreateStack, or just created). */
export const pendingRecord = (over: Partial<ByobRecord> = {}): ByobRecord =>
  directRecord({ status: 'PENDING', launch: { mode: 'direct', roleArn: null, stackName: STACK_NAME, stackId: null, stackStatus: null }, ...over });

/** A quick-create request waiting for the customer; its link expires 72 h after T0 and holds {@link LINK_KEY}'s token. */
export const quickCreateRecord = (over: Partial<ByobRecord> = {}): ByobRecord => {
  const expiresAt = new Date(T0.getTime() + 72 * 3_600_000).toISOString();
  return directRecord({
    status: 'AWAITING_CUSTOMER',
    launch: { mode: 'quick-create', roleArn: null, stackName: STACK_NAME, stackId: null, stackStatus: null },
    quickCreate: {
      url: `https://${REGION}.console.aws.amazon.com/cloudformation/home?region=${REGION}#/stacks/quickcreate?templateURL=x&stackName=${STACK_NAME}`,
      expiresAt,
      tokenHash: hashToken(registrationToken(LINK_KEY, REQUEST_ID)),
      boundAccountId: null,
    },
    dueAt: expiresAt,
    ...over,
  });
};

/** A direct-mode request whose bucket was provisioned and verified. */
export const readyRecord = (over: Partial<ByobRecord> = {}): ByobRecord =>
  directRecord({
    status: 'READY',
    launch: { mode: 'direct', roleArn: null, stackName: STACK_NAME, stackId: DIRECT_STACK_ID, stackStatus: 'CREATE_COMPLETE' },
    outputs: RECORD_OUTPUTS,
    verification: { status: 'passed', checkedAt: T0.toISOString(), checks: [{ id: 'versioning', status: 'passed', detail: 'Enabled' }] },
    dueAt: null,
    ...over,
  });

/** A webhook event of {@link REQUEST_ID} waiting in the outbox: due at T0, never attempted. */
export const outboxEvent = (over: Partial<OutboxItem> = {}): OutboxItem => ({
  tenant: 'acme',
  requestId: REQUEST_ID,
  eventId: 'evt_01',
  type: 'byob.status_changed',
  body: '{}',
  occurredAt: T0.toISOString(),
  attempts: 0,
  status: 'pending',
  nextAttemptAt: T0.toISOString(),
  lastAttemptAt: null,
  lastError: null,
  ...over,
});

/** The update most update tests are about (lib/ids updateId). */
export const UPDATE_ID = 'upd-01JQC00000000000000000UPD1';

/** Its change set, once CloudFormation made it. */
export const CHANGE_SET_ID = `arn:aws:cloudformation:${REGION}:${VENDOR_ACCOUNT}:changeSet/byob-${UPDATE_ID}/2f7a9c1e-1c3b-11f0-9a0f-0a1b2c3d4e5f`;

/** An update adding an origin, asked for at T0 and not decided yet. */
export const inFlightUpdate = (over: Partial<InFlightUpdate> = {}): InFlightUpdate => ({
  id: UPDATE_ID,
  kind: 'patch',
  changeSetName: `byob-${UPDATE_ID}`,
  changeSetId: null,
  fromStatus: 'READY',
  fromVersion: '2026-11-24.1',
  toVersion: '2026-11-24.1',
  target: {
    corsRules: [{ allowedOrigins: ['https://new.example.com'], allowedMethods: ['GET', 'HEAD', 'PUT'], allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 3600 }],
    tags: { env: 'prod' },
    accessRole: false,
  },
  templateKey: `templates/${REQUEST_ID}/update-nonce.json`,
  startedAt: T0.toISOString(),
  phase: 'proposed',
  changes: null,
  ...over,
});

/** A READY request whose stack is being updated (its deadline 2 minutes after T0). */
export const updatingRecord = (update: Partial<InFlightUpdate> = {}, over: Partial<ByobRecord> = {}): ByobRecord =>
  readyRecord({ status: 'UPDATING', update: inFlightUpdate(update), dueAt: new Date(T0.getTime() + 2 * 60_000).toISOString(), ...over });

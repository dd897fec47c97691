import { ACCESS_ROLE_S3_ACTIONS, KEY_USER_ACTIONS, VENDOR_BUCKET_ACTIONS, VENDOR_KEY_POLICY_ACTIONS } from '../../templates/grants.js';
import type { Config } from '../config.js';
import type { ByobRecord, Outputs } from '../provisioning/record.js';
import { SETTLED_STATUSES, type Status } from '../provisioning/state-machine.js';
import { withToken } from '../quick-create/link.js';
import type { OnboardingView } from './view.js';

/** What the projection needs besides the record: the vendor, and the key that puts the registration token into the Launch Stack link. */
export type ProjectionContext = Pick<Config, 'vendor' | 'quickCreateLinkKey'>;

type Step = OnboardingView['timeline'][number];

const STEP_LABELS: Record<string, string> = {
  PENDING: 'Request prepared',
  AWAITING_CUSTOMER: 'You launch the stack',
  CREATING: 'Stack creation',
  VERIFYING: 'Verification',
  READY: 'Ready',
  FAILED: 'Failed',
  EXPIRED: 'Link expired',
  DELETING: 'Deleting the stack',
  DELETED: 'Stack deleted',
};

const CHECK_LABELS: Record<string, string> = {
  'bucket-location': 'Bucket region',
  versioning: 'Versioning',
  encryption: 'Default encryption',
  cors: 'CORS',
  'public-access-block': 'Public access block',
  ownership: 'Object ownership',
  'bucket-policy': 'Bucket policy grants',
  'kms-key': 'KMS key',
  'kms-generate-data-key': 'Key usable by the vendor',
  probe: 'Write, read, list and delete test',
};

const OUTPUT_LABELS: Record<keyof Outputs, string> = {
  bucketName: 'Bucket name',
  bucketArn: 'Bucket ARN',
  kmsKeyArn: 'KMS key ARN',
  roleArn: 'Access role ARN',
  region: 'Region',
  accountId: 'AWS account',
};

const FAILED_STEPS: ReadonlySet<string> = new Set(['FAILED', 'EXPIRED']);

const statusText = (r: ByobRecord, vendor: string): string => {
  const where = r.launch.mode === 'quick-create' ? 'your AWS account' : 'the AWS account';
  const texts: Record<string, string> = {
    PENDING: 'The request is being prepared.',
    AWAITING_CUSTOMER: 'Waiting for you to launch the stack in your AWS account with the button below.',
    CREATING: `CloudFormation is creating the bucket in ${where}. This page updates by itself.`,
    VERIFYING: `The stack is complete; ${vendor} is checking the bucket the way it will use it.`,
    READY: `Ready: the bucket is set up and verified, and ${vendor} can use it.`,
    UPDATING: `${vendor} is updating the stack's settings in ${where}. The bucket and its data stay as they are and remain in use.`,
    FAILED: 'Set-up did not complete. What went wrong and how to fix it is below.',
    EXPIRED: `The launch link expired before it was used. Ask ${vendor} for a new one.`,
    DELETING: 'The stack is being deleted. The bucket and its data stay in the account.',
    DELETED: 'The stack was deleted. The bucket and its data remain in the account.',
  };
  return texts[r.status] ?? `Status: ${r.status}.`;
};

/** The happy path for the request's mode, then where this request stands on it. */
export const timelineOf = (r: ByobRecord): Step[] => {
  const path: Status[] = r.launch.mode === 'quick-create' ? ['PENDING', 'AWAITING_CUSTOMER', 'CREATING', 'VERIFYING', 'READY'] : ['PENDING', 'CREATING', 'VERIFYING', 'READY'];
  const step = (status: string, state: Step['state']): Step => ({ status, label: STEP_LABELS[status] ?? status, state });
  const at = path.indexOf(r.status);
  if (at >= 0) return path.map((s, i) => step(s, i < at ? 'done' : i === at ? 'current' : 'upcoming'));
  // Off the path (failed, expired, deleted…): what is known to have happened, then where it ended.
  const reached = r.verification ? 'VERIFYING' : r.outputs || r.launch.stackId ? 'CREATING' : path[1]!;
  const done = path.slice(0, path.indexOf(reached) + 1).map((s) => step(s, 'done'));
  return [...done, step(r.status, FAILED_STEPS.has(r.status) ? 'failed' : 'current')];
};

const encryptionOf = (r: ByobRecord, vendor: Config['vendor']): string => {
  if (r.encryption.type === 'sse-s3') return 'SSE-S3: objects are encrypted with Amazon S3 managed keys.';
  if (r.encryption.kmsKeyArn) {
    return `SSE-KMS with your key ${r.encryption.kmsKeyArn}; its key policy must allow ${vendor.name} (AWS account ${vendor.accountId}) ${KEY_USER_ACTIONS.join(', ')}.`;
  }
  return 'SSE-KMS with a new KMS key created in your account for this bucket (yearly rotation on, S3 Bucket Key on).';
};

const accessOf = (r: ByobRecord, vendor: Config['vendor']): OnboardingView['access'] => {
  const who = `${vendor.name} (AWS account ${vendor.accountId})`;
  return [
    {
      summary: `${who} may read, write, list and delete objects, and read the bucket's location, versioning, encryption and CORS settings.`,
      actions: [...VENDOR_BUCKET_ACTIONS],
    },
    ...(r.encryption.type === 'sse-kms' && !r.encryption.kmsKeyArn
      ? [{ summary: `${who} may use the new key to encrypt and decrypt objects.`, actions: [...VENDOR_KEY_POLICY_ACTIONS] }]
      : []),
    ...(r.accessRole
      ? [{ summary: `An IAM role in your account, which ${vendor.name} assumes with its ExternalId, may read, write and list objects and use the bucket's key.`, actions: [...ACCESS_ROLE_S3_ACTIONS] }]
      : []),
    { summary: 'Nobody else: all public access is blocked, only HTTPS requests are accepted, and the bucket owner owns every object.', actions: [] },
  ];
};

/** Check results may carry CLI commands (continuous assurance); strings, or objects with a `command`. */
const commandsOf = (check: object): string[] => {
  const listed = (check as { commands?: unknown }).commands;
  if (!Array.isArray(listed)) return [];
  return listed.flatMap((c: unknown) => {
    if (typeof c === 'string') return [c];
    const command = typeof c === 'object' && c !== null ? (c as { command?: unknown }).command : undefined;
    return typeof command === 'string' ? [command] : [];
  });
};

/** The onboarding page's view of a record: what the customer may see, and nothing else. */
export const toOnboardingView = (r: ByobRecord, ctx: ProjectionContext): OnboardingView => {
  const launchable = r.launch.mode === 'quick-create' && r.status === 'AWAITING_CUSTOMER' && r.quickCreate && ctx.quickCreateLinkKey;
  const createsKey = r.encryption.type === 'sse-kms' && !r.encryption.kmsKeyArn;
  return {
    id: r.id,
    status: r.status,
    statusText: statusText(r, ctx.vendor.name),
    settled: SETTLED_STATUSES.has(r.status),
    updatedAt: r.updatedAt,
    vendor: { name: ctx.vendor.name, accountId: ctx.vendor.accountId },
    launch: {
      mode: r.launch.mode,
      url: launchable ? withToken(r.quickCreate!.url, ctx.quickCreateLinkKey!, r.id) : null,
      expiresAt: r.quickCreate?.expiresAt ?? null,
      capabilities: r.accessRole ? ['CAPABILITY_IAM'] : [],
      stackName: r.launch.stackName,
    },
    bucket: {
      name: r.bucketName,
      region: r.region,
      encryption: encryptionOf(r, ctx.vendor),
      cors: r.corsRules.map((c) => `${c.allowedMethods.join(', ')} from ${c.allowedOrigins.join(', ')}`),
      tags: Object.entries(r.tags).map(([key, value]) => ({ key, value })),
    },
    access: accessOf(r, ctx.vendor),
    retention: createsKey
      ? 'If the stack is ever deleted, the bucket and the key stay in your account with all their data.'
      : 'If the stack is ever deleted, the bucket stays in your account with all its data.',
    timeline: timelineOf(r),
    verification: r.verification && {
      status: r.verification.status,
      checkedAt: r.verification.checkedAt,
      checks: r.verification.checks.map((c) => ({
        id: c.id,
        label: CHECK_LABELS[c.id] ?? c.id,
        status: c.status,
        detail: c.detail,
        remediation: c.remediation ?? null,
        commands: commandsOf(c),
      })),
    },
    outputs: r.outputs
      ? (Object.keys(OUTPUT_LABELS) as Array<keyof Outputs>).flatMap((name) => {
          const value = r.outputs![name];
          return value ? [{ name, label: OUTPUT_LABELS[name], value }] : [];
        })
      : [],
    failure: r.failure?.message ?? null,
  };
};

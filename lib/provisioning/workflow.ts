import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import type { ByobRecord, Outputs, StoredVerification } from './record.js';
import { describeStack, firstFailure, outputsFromStack } from './stacks.js';
import { isStackLevel, type StackNotification, stackOutcome } from './stack-notification.js';
import { transition, type TransitionDeps } from './transition.js';
import { retryOnStale } from './stale-record.js';
import { checkPrecondition, type VersionMatch } from './precondition.js';
import { failUpdate, succeeded, updatedFields, updateOf } from '../updates/outcome.js';

/** The CloudFormation client acting for one request: in the customer's account when a deployment role is given. */
export interface StackClients {
  cfn: CloudFormationClient;
}

/** The clients that check one request's bucket and key, acting for it like {@link StackClients}. */
export interface BucketClients {
  s3: S3Client;
  kms: KMSClient;
}

/** What every step of the workflow needs: status changes, and the webhooks they queue. */
export interface WorkflowDeps extends TransitionDeps {
  config: Config;
  /** Attempts the request's pending webhooks now (best effort; the reconciler retries). */
  deliverNow(record: ByobRecord): Promise<void>;
}

/** The workflow steps that act on a request's stack. */
export interface StackDeps extends WorkflowDeps {
  clientsFor(record: ByobRecord): Promise<StackClients>;
}

/** The workflow steps that verify a request's bucket (with {@link BucketClients} acting for it). */
export interface VerifyingDeps extends WorkflowDeps {
  clientsFor(record: ByobRecord): Promise<BucketClients>;
  verify(record: ByobRecord, clients: BucketClients, when?: 'afterProvisioning' | 'interactive' | 'scheduled'): Promise<StoredVerification>;
}

/** Every client acting for one request: its stack's and its bucket's. */
export interface RequestClients extends StackClients, BucketClients {}

/**
 * Everything the provisioning workflow needs; wired in lib/wiring. Each function takes the narrowest
 * of these that serves it, so a handler's bundle carries only the AWS clients its steps call.
 */
export interface ProvisioningDeps extends StackDeps, VerifyingDeps {
  clientsFor(record: ByobRecord): Promise<RequestClients>;
}

/**
 * Re-reads and re-applies `step` when a concurrent writer moved the record first, so every handler is
 * idempotent and order-tolerant (events may arrive before the CreateStack answer is written). With a
 * caller's `ifMatch`, a record not (or no longer) at a version it names answers 412 instead.
 */
export const withFreshRecord = async (
  deps: WorkflowDeps,
  tenant: string,
  id: string,
  step: (record: ByobRecord) => Promise<ByobRecord | null>,
  ifMatch?: VersionMatch,
): Promise<ByobRecord | null> => {
  const out = await retryOnStale(id, async () => {
    const record = await deps.store.get(tenant, id);
    if (record) checkPrecondition(record, ifMatch);
    return record ? { record, changed: await step(record) } : null;
  });
  if (!out) return null;
  if (out.changed && out.changed !== out.record) await deps.deliverNow(out.changed).catch(() => undefined);
  return out.changed ?? out.record;
};

/** Sets the reconciler's next look at a record still waiting on AWS one status deadline from now. */
export const lookAgainLater = (deps: WorkflowDeps, r: ByobRecord): Promise<ByobRecord> =>
  deps.store.patch(r, { dueAt: new Date(deps.clock().getTime() + deps.config.statusDeadlineMinutes * 60_000).toISOString() }, deps.clock().toISOString());

/**
 * Runs verification for a record in VERIFYING and settles it READY, or FAILED with the checks. The
 * settling write re-reads the record, so a concurrent non-status write (e.g. a webhook summary) cannot
 * strand it in VERIFYING. After an update the bucket was provisioned before: it settles READY or
 * DEGRADED (never FAILED) and the update succeeded; the drift found against the old template is dropped.
 */
export const verifyAndSettle = async (deps: VerifyingDeps, record: ByobRecord): Promise<ByobRecord> => {
  const verification = await deps.verify(record, await deps.clientsFor(record));
  const settled = await withFreshRecord(deps, record.tenant, record.id, async (r) => {
    if (r.status !== 'VERIFYING') return null;
    if (r.update) {
      const u = r.update;
      const lastUpdate = succeeded(u, u.changes ?? [], deps.clock().toISOString());
      const to = verification.status === 'failed' ? 'DEGRADED' : 'READY';
      return transition(deps, r, to, { verification, failure: null, update: null, lastUpdate, drift: null, driftDetection: null }, 'succeeded');
    }
    if (verification.status === 'failed') {
      const failed = verification.checks.filter((c) => c.status === 'failed').map((c) => c.id);
      return transition(deps, r, 'FAILED', {
        verification,
        failure: { code: 'verification_failed', message: `Verification failed: ${failed.join(', ')}. See verification.checks for how to fix each.`, resource: null },
      });
    }
    return transition(deps, r, 'READY', { verification, failure: null });
  });
  return settled ?? record;
};

/** Moves a record whose stack completed to VERIFYING with its outputs, then verifies it. */
export const completeWithOutputs = async (deps: VerifyingDeps, record: ByobRecord, outputs: Outputs, stackStatus: string, stackId?: string): Promise<ByobRecord> => {
  const verifying = await transition(deps, record, 'VERIFYING', {
    outputs,
    launch: { ...record.launch, stackStatus, stackId: stackId ?? record.launch.stackId },
  });
  return verifyAndSettle(deps, verifying);
};

/** Brings a record in line with its stack as CloudFormation reports it now (one DescribeStacks). */
export const syncWithStack = async (deps: ProvisioningDeps, record: ByobRecord): Promise<ByobRecord | null> => {
  const { cfn } = await deps.clientsFor(record);
  const stack = await describeStack(cfn, record.launch.stackId ?? record.launch.stackName);
  if (!stack) return null;
  return applyStackStatus(deps, record, stack.stackId, stack.status, stack.outputs);
};

/**
 * Applies a stack status to a record in UPDATING whose change set was executed: a completed update
 * moves it to VERIFYING with what the update changed and the new outputs, then verifies it; a rolled
 * back (or stuck) one ends the update failed with the first failing resource of this update.
 */
const applyUpdateStatus = async (deps: ProvisioningDeps, record: ByobRecord, stackId: string, status: string, outputs?: Record<string, string>): Promise<ByobRecord | null> => {
  const u = updateOf(record);
  if (u.phase !== 'executing') return null;
  const launch = { ...record.launch, stackId, stackStatus: status };
  const outcome = stackOutcome(status);
  if (outcome === 'update-in-progress') return status === record.launch.stackStatus ? null : deps.store.patch(record, { launch }, deps.clock().toISOString());
  if (outcome === 'updated') {
    const stackOutputs = outputs ?? (await describeStack((await deps.clientsFor(record)).cfn, stackId))?.outputs ?? {};
    const verifying = await transition(deps, record, 'VERIFYING', {
      ...updatedFields(u),
      outputs: outputsFromStack(stackOutputs, stackId, record.region) ?? record.outputs,
      launch,
    });
    return verifyAndSettle(deps, verifying);
  }
  if (outcome === 'update-rolled-back' || outcome === 'update-failed') {
    const first = await firstFailure((await deps.clientsFor(record)).cfn, stackId, u.startedAt);
    const stuck = outcome === 'update-failed' ? ` The stack is ${status}: it needs ContinueUpdateRollback (or its owner) before it can be updated again.` : '';
    const reason = `${first?.message ?? `The stack update ended ${status}.`}${stuck}`;
    return failUpdate(deps, record, { reason, resource: first?.resource ?? null }, { launch });
  }
  return null;
};

/** Applies one stack status to a record; returns the updated record, or null when nothing changes. */
export const applyStackStatus = async (
  deps: ProvisioningDeps,
  record: ByobRecord,
  stackId: string,
  status: string,
  outputs?: Record<string, string>,
): Promise<ByobRecord | null> => {
  if (record.status === 'UPDATING') return applyUpdateStatus(deps, record, stackId, status, outputs);
  const outcome = stackOutcome(status);
  const launch = { ...record.launch, stackId, stackStatus: status };
  if (outcome === 'in-progress' && (record.status === 'PENDING' || record.status === 'AWAITING_CUSTOMER')) {
    return transition(deps, record, 'CREATING', { launch });
  }
  if (outcome === 'complete' && ['PENDING', 'AWAITING_CUSTOMER', 'CREATING'].includes(record.status)) {
    const stackOutputs = outputs ?? (await describeStack((await deps.clientsFor(record)).cfn, stackId))?.outputs ?? {};
    const parsed = outputsFromStack(stackOutputs, stackId, record.region);
    if (!parsed) {
      return transition(deps, record, 'FAILED', {
        launch,
        failure: { code: 'outputs_missing', message: 'The stack completed without BucketName/BucketArn outputs.', resource: null },
      });
    }
    return completeWithOutputs(deps, record, parsed, status, stackId);
  }
  if (outcome === 'failed' && ['PENDING', 'AWAITING_CUSTOMER', 'CREATING', 'DELETING'].includes(record.status)) {
    const { cfn } = await deps.clientsFor(record);
    const failure = (await firstFailure(cfn, stackId)) ?? { code: 'stack_failed', message: `The stack ended ${status}.`, resource: null };
    return transition(deps, record, 'FAILED', { launch, failure });
  }
  if (outcome === 'deleted' && ['DELETING', 'READY', 'DEGRADED', 'FAILED'].includes(record.status)) {
    return transition(deps, record, 'DELETED', { launch });
  }
  return null;
};

/** Handles one stack notification from SNS (direct mode). */
export const onStackNotification = async (deps: ProvisioningDeps, tenantOf: (requestId: string) => Promise<string | null>, requestId: string, n: StackNotification) => {
  if (!isStackLevel(n)) return null;
  const tenant = await tenantOf(requestId);
  if (!tenant) return null;
  return withFreshRecord(deps, tenant, requestId, (record) => applyStackStatus(deps, record, n.stackId, n.resourceStatus));
};

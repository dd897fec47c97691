import { ConflictError, NotFoundError } from '../errors.js';
import { type ProvisioningDeps, type StackDeps, withFreshRecord, type WorkflowDeps } from './workflow.js';
import type { ByobRecord } from './record.js';
import { deleteStack } from './stacks.js';
import { transition } from './transition.js';
import { verifyAssured } from './assurance.js';
import { isAssured } from './state-machine.js';
import { checkPrecondition, type VersionMatch } from './precondition.js';

const mustGet = async (deps: WorkflowDeps, tenant: string, id: string, ifMatch?: VersionMatch) => {
  const record = await deps.store.get(tenant, id);
  if (!record) throw new NotFoundError();
  checkPrecondition(record, ifMatch);
  return record;
};

/**
 * POST /byob/{id}/verify: runs verification again on a provisioned bucket. A READY or DEGRADED one
 * moves between the two on the result (never to FAILED: see lib/provisioning/assurance.ts); a FAILED
 * one that passes becomes READY again. With `ifMatch`, the result is written only on the version it names.
 */
export const reverify = async (deps: ProvisioningDeps, tenant: string, id: string, ifMatch?: VersionMatch): Promise<ByobRecord> => {
  const record = await mustGet(deps, tenant, id, ifMatch);
  if (!record.outputs || !['READY', 'DEGRADED', 'FAILED', 'VERIFYING'].includes(record.status)) {
    throw new ConflictError(`Request ${id} is ${record.status}; only a provisioned bucket can be verified again.`);
  }
  if (isAssured(record.status)) return verifyAssured(deps, record, 'interactive', ifMatch);
  const verification = await deps.verify(record, await deps.clientsFor(record), 'interactive');
  const passed = verification.status !== 'failed';
  const out = await withFreshRecord(deps, tenant, id, async (r) => {
    if (isAssured(r.status)) return null;
    if (passed) return transition(deps, r, 'READY', { verification, failure: null });
    const failed = verification.checks.filter((c) => c.status === 'failed').map((c) => c.id);
    const failure = { code: 'verification_failed', message: `Verification failed: ${failed.join(', ')}. See verification.checks for how to fix each.`, resource: null };
    if (r.status === 'FAILED') return deps.store.patch(r, { verification, failure }, deps.clock().toISOString());
    return transition(deps, r, 'FAILED', { verification, failure });
  }, ifMatch);
  return out ?? (await mustGet(deps, tenant, id));
};

/**
 * DELETE /byob/{id}: deletes the stack (bucket and key are retained by their DeletionPolicy, so no data
 * is lost) and ends the request; a quick-create stack lives in the customer's account, so there the
 * customer deletes it and its custom resource reports the deletion. With `ifMatch`, only the version it names is deleted.
 */
export const deleteByob = async (deps: StackDeps, tenant: string, id: string, ifMatch?: VersionMatch): Promise<ByobRecord> => {
  const record = await mustGet(deps, tenant, id, ifMatch);
  if (record.status === 'DELETED' || record.status === 'DELETING') return record;
  const out = await withFreshRecord(deps, tenant, id, async (r) => {
    // Read again after a stale write: the stack's own DELETE_COMPLETE may have ended the request first
    // (the emulator deletes at once), and a deleted request is what was asked for.
    if (r.status === 'DELETED' || r.status === 'DELETING') return null;
    if (r.status === 'PENDING') throw new ConflictError(`Request ${id} is still being launched; try again in a minute.`);
    // CloudFormation refuses to delete a stack mid-update, and the update's outcome would have no record to land on.
    if (r.status === 'UPDATING') throw new ConflictError(`Request ${id} is being updated; try again once the update has finished.`);
    // VERIFYING may not become DELETING: deleting the stack first would leave a 500 and a record that never says so.
    if (r.status === 'VERIFYING') throw new ConflictError(`Request ${id} is being verified; try again in a minute.`);
    if (r.launch.mode === 'quick-create' && r.launch.stackId && !['FAILED', 'EXPIRED'].includes(r.status)) {
      throw new ConflictError('This stack runs in your AWS account: delete it there (CloudFormation console); the request becomes DELETED when it reports back. The bucket and key are retained.');
    }
    // READY and DEGRADED alike: the stack goes, the retained bucket and key stay.
    if (r.launch.mode === 'direct' && r.launch.stackId && r.status !== 'FAILED') {
      const { cfn } = await deps.clientsFor(r);
      await deleteStack(cfn, r.launch.stackId);
      return transition(deps, r, 'DELETING', { launch: { ...r.launch, stackStatus: 'DELETE_IN_PROGRESS' } });
    }
    if (r.launch.mode === 'direct' && r.launch.stackId) {
      const { cfn } = await deps.clientsFor(r);
      await deleteStack(cfn, r.launch.stackId);
    }
    return transition(deps, r, 'DELETED');
  }, ifMatch);
  return out ?? record;
};

import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { isDependencyFailure } from '../aws/dependency-failure.js';
import { ConflictError } from '../errors.js';
import { logger } from '../logger.js';
import { type LaunchDeps, stackSettingsFor } from '../provisioning/create.js';
import type { ByobRecord, InFlightUpdate, ResourceChange } from '../provisioning/record.js';
import { stackOutcome } from '../provisioning/stack-notification.js';
import { describeStack } from '../provisioning/stacks.js';
import { storeTemplate } from '../provisioning/template-upload.js';
import { applyStackStatus, lookAgainLater, type ProvisioningDeps, type StackDeps, withFreshRecord } from '../provisioning/workflow.js';
import {
  awaitChangeSet,
  type ChangeSetState,
  type ChangeSetWait,
  createChangeSet,
  deleteChangeSet,
  describeChangeSet,
  executeChangeSet,
  hasNoChanges,
  isBeingDescribed,
} from './change-sets.js';
import { failUpdate, finishWithoutChanges, updateOf } from './outcome.js';
import { type RefusedChange, refusedChanges } from './protected-resources.js';

/**
 * A direct-mode update, through a CloudFormation change set: asked for under a name and token of the
 * update's own (a retried call makes no second one), described, then refused (deleted, never run) when
 * it would replace or remove what holds the data or the vendor's access, or executed. Stack
 * notifications (lib/provisioning/workflow.ts applyStackStatus) finish it; the reconciler finishes
 * whatever a Lambda that died left (`continueDirectUpdate`).
 */

/** What a direct update needs: the request's stack, and the vendor's templates bucket. */
export interface UpdateDeps extends LaunchDeps {
  /** How long the route waits for the change set to be described; {@link ROUTE_CHANGE_SET_WAIT} by default. */
  changeSetWait?: ChangeSetWait;
}

/**
 * How long the HTTP route waits for CloudFormation to describe the change set: the calls before and
 * after it (each ≤ 2 attempts of 3 s, lib/aws/clients.ts) still fit the route's budget. A change set
 * described later is taken over by the reconciler.
 */
export const ROUTE_CHANGE_SET_WAIT: ChangeSetWait = { budgetMs: 4_000, pollMs: 500 };

/** The change set name of an update (its id is `upd-<ULID>`, so the name is unique to it). */
export const changeSetNameOf = (updateId: string): string => `byob-${updateId}`;

/** The change set a direct update asked for (records always name it; its id gives the same name). */
const changeSetOf = (u: InFlightUpdate): string => u.changeSetName ?? changeSetNameOf(u.id);

/** The rendered template of an update and the nonce its key was made with (template-store.ts templateKeyOf). */
export interface RenderedTemplate {
  body: string;
  nonce: string;
}

/**
 * Applies `step` to the record read afresh, only while it still holds this update (in `phase`, when
 * given): what was decided on a record that another caller (a stack notification, the reconciler) has
 * moved on is not written. Answers the record as it then is.
 */
const whileHeld = async (deps: StackDeps, record: ByobRecord, phase: InFlightUpdate['phase'] | null, step: (r: ByobRecord) => Promise<ByobRecord>): Promise<ByobRecord> => {
  const u = updateOf(record);
  const held = (r: ByobRecord) => r.status === 'UPDATING' && r.update?.id === u.id && (phase === null || r.update.phase === phase);
  return (await withFreshRecord(deps, record.tenant, record.id, async (r) => (held(r) ? step(r) : null))) ?? record;
};

/** One line saying which changes were refused, for `lastUpdate.reason`. */
const refusalReason = (refused: RefusedChange[]): string =>
  `Refused before anything ran: ${refused.map((c) => `${c.action === 'Remove' ? 'Remove' : `Replace (${c.replacement})`} ${c.logicalId} (${c.resourceType})`).join('; ')}. The change set was deleted.`;

/** The 409 of a refused update: every offending change and why. */
export const refusal = (refused: RefusedChange[]): ConflictError =>
  new ConflictError('The update would replace or remove a resource that holds the data or the vendor\'s access, so it was refused and its change set deleted; nothing changed. See `offendingResources`.', {
    offendingResources: refused.map(({ logicalId, resourceType, action, replacement, why }) => ({ logicalId, resourceType, action, replacement, why })),
  });

/**
 * Executes the update's change set. CloudFormation refusing it (the stack or the change set moved on)
 * means nothing ran: the update ends failed. AWS failing is passed on: the reconciler executes a change
 * set left AVAILABLE.
 */
const execute = async (deps: StackDeps, record: ByobRecord, changeSetId: string, cfn: CloudFormationClient): Promise<ByobRecord> => {
  const u = updateOf(record);
  try {
    await executeChangeSet(cfn, record.launch.stackName, changeSetId, u.id);
    return record;
  } catch (error) {
    if (isDependencyFailure(error)) throw error;
    logger.error('change set not executed', { requestId: record.id, error: error as Error });
    const reason = `CloudFormation did not execute the change set: ${error instanceof Error ? error.message.slice(0, 300) : 'ExecuteChangeSet failed'}`;
    return whileHeld(deps, record, null, (r) => failUpdate(deps, r, { reason, resource: null }));
  }
};

/** What deciding on a described change set did to the record. */
export interface Decision {
  record: ByobRecord;
  /** The changes that made it refuse; empty when it did not. */
  refused: RefusedChange[];
}

/**
 * Acts on a change set CloudFormation has described: one without changes ends the update at once; a
 * failed one ends it failed; one with a refused change is deleted and ends it failed; any other is
 * executed, after the record says so (the conditional write that lets one caller only execute it).
 */
export const decide = async (deps: StackDeps, record: ByobRecord, state: ChangeSetState, cfn: CloudFormationClient): Promise<Decision> => {
  const stack = record.launch.stackName;
  const settle = (step: (r: ByobRecord) => Promise<ByobRecord>) => whileHeld(deps, record, 'proposed', step);
  const refused = refusedChanges(state.changes);
  if (hasNoChanges(state) || state.status === 'FAILED' || refused.length) {
    await deleteChangeSet(cfn, stack, state.id);
    if (hasNoChanges(state)) return { record: await settle((r) => finishWithoutChanges(deps, r)), refused: [] };
    if (refused.length) return { record: await settle((r) => failUpdate(deps, r, { reason: refusalReason(refused), resource: refused[0]!.logicalId })), refused };
    return { record: await settle((r) => failUpdate(deps, r, { reason: `CloudFormation could not prepare the update: ${state.statusReason}`, resource: null })), refused: [] };
  }
  let claimed = false;
  const executing = await settle(async (r) => {
    claimed = true;
    return deps.store.patch(r, { update: { ...updateOf(r), phase: 'executing', changeSetId: state.id, changes: state.changes } }, deps.clock().toISOString());
  });
  return { record: claimed ? await execute(deps, executing, state.id, cfn) : executing, refused: [] };
};

/**
 * The route's part of a direct update, on the record it moved to UPDATING: stores the re-rendered
 * template, asks for the change set, waits a bounded time for its description and decides (throwing
 * the 409 of a refusal). AWS failing or slow leaves the record UPDATING for the reconciler.
 */
export const runDirectUpdate = async (deps: UpdateDeps, locked: ByobRecord, template: RenderedTemplate): Promise<ByobRecord> => {
  const u = updateOf(locked);
  const stack = locked.launch.stackName;
  const { cfn } = await deps.clientsFor(locked);
  let state: ChangeSetState | null;
  try {
    const stored = await storeTemplate(deps.vendorS3(locked.region), {
      bucket: locked.templateBucket,
      region: locked.region,
      requestId: locked.id,
      nonce: template.nonce,
      body: template.body,
    });
    await createChangeSet(cfn, {
      stack,
      changeSetName: changeSetOf(u),
      clientToken: u.id,
      templateUrl: stored.url,
      description: `${u.kind} of ${locked.id} to template ${u.toVersion}`,
      ...stackSettingsFor(deps, { ...locked, ...u.target }),
    });
    state = await awaitChangeSet(cfn, stack, changeSetOf(u), deps.changeSetWait ?? ROUTE_CHANGE_SET_WAIT);
  } catch (error) {
    if (isDependencyFailure(error)) {
      logger.warn('update cut off by AWS; the reconciler takes it over', { requestId: locked.id, error: error as Error });
      return locked;
    }
    logger.error('update could not start', { requestId: locked.id, error: error as Error });
    const reason = `The change set could not be created: ${error instanceof Error ? error.message.slice(0, 300) : 'CreateChangeSet failed'}`;
    return whileHeld(deps, locked, 'proposed', (r) => failUpdate(deps, r, { reason, resource: null }));
  }
  if (!state || isBeingDescribed(state)) return locked;
  let decided: Decision;
  try {
    decided = await decide(deps, locked, state, cfn);
  } catch (error) {
    if (!isDependencyFailure(error)) throw error;
    logger.warn('update cut off by AWS; the reconciler takes it over', { requestId: locked.id, error: error as Error });
    return (await deps.store.get(locked.tenant, locked.id)) ?? locked;
  }
  if (decided.refused.length) throw refusal(decided.refused);
  return decided.record;
};

/**
 * The reconciler's part: finishes an update whose Lambda stopped short, from what CloudFormation says
 * now. A change set asked for is decided (or, never made, the update ends failed); one executed is
 * followed on the stack (its last update must be this one's); one left AVAILABLE is executed.
 */
export const continueDirectUpdate = async (deps: ProvisioningDeps, r: ByobRecord): Promise<ByobRecord | null> => {
  const u = updateOf(r);
  const { cfn } = await deps.clientsFor(r);
  const state = await describeChangeSet(cfn, r.launch.stackName, u.changeSetId ?? changeSetOf(u));
  if (u.phase === 'proposed') {
    if (!state) return failUpdate(deps, r, { reason: 'The update was cut off before CloudFormation made its change set; nothing changed. Send it again.', resource: null });
    if (isBeingDescribed(state)) return lookAgainLater(deps, r);
    return (await decide(deps, r, state, cfn)).record;
  }
  if (state?.executionStatus === 'AVAILABLE') {
    const executed = await execute(deps, r, state.id, cfn);
    return executed.status === 'UPDATING' ? lookAgainLater(deps, executed) : executed;
  }
  const stack = await describeStack(cfn, r.launch.stackId ?? r.launch.stackName);
  if (!stack) return failUpdate(deps, r, { reason: 'The stack no longer exists.', resource: null });
  const outcome = stackOutcome(stack.status);
  if (outcome === 'update-in-progress' || state?.executionStatus === 'EXECUTE_IN_PROGRESS') return lookAgainLater(deps, r);
  const ours = stack.lastUpdatedAt !== null && stack.lastUpdatedAt >= u.startedAt;
  if (ours && ['updated', 'update-rolled-back', 'update-failed'].includes(outcome)) return applyStackStatus(deps, r, stack.stackId, stack.status, stack.outputs);
  return failUpdate(deps, r, { reason: 'The change set was not executed; nothing changed. Send the update again.', resource: null });
};

/** What a change set would do, without doing it. */
export interface Preview {
  changes: ResourceChange[];
  refused: RefusedChange[];
}

/**
 * Previews an update of the record's stack to `template`: a change set of its own is made, described
 * and deleted, and nothing runs; null when CloudFormation did not describe it within `wait`. The
 * record is neither read nor written (a dry run may preview any number of requests).
 */
export const previewDirectUpdate = async (deps: UpdateDeps, record: ByobRecord, template: RenderedTemplate, wait: ChangeSetWait): Promise<Preview | null> => {
  const stack = record.launch.stackName;
  const { cfn } = await deps.clientsFor(record);
  const stored = await storeTemplate(deps.vendorS3(record.region), { bucket: record.templateBucket, region: record.region, requestId: record.id, nonce: template.nonce, body: template.body });
  const previewId = deps.ids.updateId();
  const changeSetName = `byob-preview-${previewId.slice('upd-'.length)}`;
  const id = await createChangeSet(cfn, {
    stack,
    changeSetName,
    clientToken: previewId,
    templateUrl: stored.url,
    description: `preview of ${record.id}`,
    ...stackSettingsFor(deps, record),
  });
  try {
    const state = await awaitChangeSet(cfn, stack, id, wait);
    if (!state || isBeingDescribed(state)) return null;
    if (hasNoChanges(state)) return { changes: [], refused: [] };
    if (state.status === 'FAILED') throw new Error(`CloudFormation could not prepare the preview: ${state.statusReason}`);
    return { changes: state.changes, refused: refusedChanges(state.changes) };
  } finally {
    await deleteChangeSet(cfn, stack, id);
  }
};

import {
  type Change,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import type { ResourceChange } from '../provisioning/record.js';
import { type StackSettings, stackSettingsInput } from '../provisioning/stacks.js';

/** What CreateChangeSet needs for one update of a request's stack. */
export interface ChangeSetInput extends StackSettings {
  /** The stack's name (or id): unique among live stacks, and what every CloudFormation implementation looks a stack up by. */
  stack: string;
  changeSetName: string;
  /** Makes a retried call answer the change set the first one made. */
  clientToken: string;
  templateUrl: string;
  description: string;
}

/** A change set as the update workflow cares about it. */
export interface ChangeSetState {
  id: string;
  status: string;
  executionStatus: string;
  statusReason: string;
  changes: ResourceChange[];
}

/** How long, and how often, a caller waits for a change set to be described. */
export interface ChangeSetWait {
  budgetMs: number;
  pollMs: number;
}

const isNotFound = (e: unknown) => e instanceof Error && (e.name === 'ChangeSetNotFoundException' || /does not exist/i.test(e.message));

/** The statuses of a change set that CloudFormation is still working out. */
const DESCRIBING = new Set(['CREATE_PENDING', 'CREATE_IN_PROGRESS']);

/** Whether CloudFormation is still working the change set out. */
export const isBeingDescribed = (s: ChangeSetState): boolean => DESCRIBING.has(s.status);

/**
 * Whether the change set failed only because the stack already is what the template says: not an
 * error, the update has nothing to do (AWS words it either way, depending on what was compared).
 */
export const hasNoChanges = (s: ChangeSetState): boolean =>
  s.status === 'FAILED' && /didn't contain changes|no updates are to be performed/i.test(s.statusReason);

const toChange = (c: Change): ResourceChange | null => {
  const r = c.ResourceChange;
  if (c.Type !== 'Resource' || !r) return null;
  return { action: r.Action ?? 'Unknown', logicalId: r.LogicalResourceId ?? '', resourceType: r.ResourceType ?? '', replacement: r.Replacement ?? null };
};

/** Asks for a change set updating the stack to the template at `templateUrl`; answers its id. Safe to retry. */
export const createChangeSet = async (cfn: CloudFormationClient, input: ChangeSetInput): Promise<string> => {
  try {
    const out = await cfn.send(
      new CreateChangeSetCommand({
        StackName: input.stack,
        ChangeSetName: input.changeSetName,
        ClientToken: input.clientToken,
        ChangeSetType: 'UPDATE',
        TemplateURL: input.templateUrl,
        Description: input.description,
        ...stackSettingsInput(input),
      }),
    );
    if (!out.Id) throw new Error('CreateChangeSet answered without an Id');
    return out.Id;
  } catch (e) {
    // The name is this update's own: a change set of that name is the one an earlier attempt made.
    if (!(e instanceof Error && e.name === 'AlreadyExistsException')) throw e;
    const existing = await describeChangeSet(cfn, input.stack, input.changeSetName);
    if (!existing) throw e;
    return existing.id;
  }
};

/** The change set (by id, or by name on the stack) with all its changes, or null when CloudFormation does not know it. */
export const describeChangeSet = async (cfn: CloudFormationClient, stack: string, nameOrId: string): Promise<ChangeSetState | null> => {
  const changes: ResourceChange[] = [];
  let next: string | undefined;
  let first: { id: string; status: string; executionStatus: string; statusReason: string } | undefined;
  try {
    for (let page = 0; page < 10; page++) {
      const out = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: nameOrId, StackName: stack, NextToken: next }));
      first ??= { id: out.ChangeSetId ?? nameOrId, status: out.Status ?? 'UNKNOWN', executionStatus: out.ExecutionStatus ?? 'UNAVAILABLE', statusReason: out.StatusReason ?? '' };
      changes.push(...(out.Changes ?? []).map(toChange).filter((c): c is ResourceChange => c !== null));
      next = out.NextToken;
      if (!next) break;
    }
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
  return first ? { ...first, changes } : null;
};

/**
 * Describes the change set until CloudFormation has worked it out or `wait.budgetMs` is spent; the last
 * description (still being described when the budget ran out), or null when it does not exist.
 */
export const awaitChangeSet = async (
  cfn: CloudFormationClient,
  stack: string,
  nameOrId: string,
  wait: ChangeSetWait,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<ChangeSetState | null> => {
  const deadline = Date.now() + wait.budgetMs;
  for (;;) {
    const state = await describeChangeSet(cfn, stack, nameOrId);
    if (!state || !isBeingDescribed(state) || Date.now() + wait.pollMs > deadline) return state;
    await sleep(wait.pollMs);
  }
};

/** Starts the stack update the change set describes; the token marks the stack events it causes. */
export const executeChangeSet = async (cfn: CloudFormationClient, stack: string, changeSetId: string, clientRequestToken: string): Promise<void> => {
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stack, ClientRequestToken: clientRequestToken }));
};

/** Deletes a change set that will not be executed; one already gone is fine. */
export const deleteChangeSet = async (cfn: CloudFormationClient, stack: string, nameOrId: string): Promise<void> => {
  try {
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: nameOrId, StackName: stack }));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
};

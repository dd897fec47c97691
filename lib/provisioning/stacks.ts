import {
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import type { Failure, Outputs } from './record.js';

/** How a request's stack runs, on creation and on every update (lib/provisioning/create.ts stackSettingsFor). */
export interface StackSettings {
  notificationArns: string[];
  tags: Record<string, string>;
  capabilities: Array<'CAPABILITY_IAM'>;
  /** CloudFormation service role, for stacks in the vendor's own account. */
  roleArn?: string | undefined;
}

/** The {@link StackSettings} as CreateStack and CreateChangeSet take them. */
export const stackSettingsInput = (s: StackSettings) => ({
  NotificationARNs: s.notificationArns,
  Capabilities: s.capabilities,
  Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
  ...(s.roleArn ? { RoleARN: s.roleArn } : {}),
});

/** What CreateStack needs for one request. */
export interface LaunchInput extends StackSettings {
  stackName: string;
  /** A stored template's URL, or the template itself (TemplateBody, ≤ 51,200 bytes). */
  template: { url: string } | { body: string };
  clientRequestToken: string;
  requestId: string;
}

/** A stack as the API cares about it. */
export interface StackState {
  stackId: string;
  status: string;
  outputs: Record<string, string>;
  tags: Record<string, string>;
  /** When an update last changed it (ISO time); null if it was never updated. */
  lastUpdatedAt: string | null;
}

/** Thrown when a stack of our name exists but is not this request's (never adopted). */
export class ForeignStackError extends Error {
  override name = 'ForeignStackError';
}

const REQUEST_TAG = 'byob:request';

const toState = (s: Stack): StackState => ({
  stackId: s.StackId ?? '',
  status: s.StackStatus ?? 'UNKNOWN',
  outputs: Object.fromEntries((s.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
  tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  lastUpdatedAt: s.LastUpdatedTime?.toISOString() ?? null,
});

const isMissing = (e: unknown) => e instanceof Error && /does not exist/i.test(e.message);

/** The stack of that name or id, or null when CloudFormation does not know it. */
export const describeStack = async (cfn: CloudFormationClient, nameOrId: string): Promise<StackState | null> => {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: nameOrId }));
    const s = out.Stacks?.[0];
    return s ? toState(s) : null;
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
};

/**
 * Creates the stack, safe to retry: ClientRequestToken makes AWS answer a retry with the same stack;
 * where a retry answers AlreadyExists instead (moto 5.2, or a token that expired), the stack of our
 * deterministic name is adopted if its request tag is this request's.
 */
export const launchStack = async (cfn: CloudFormationClient, input: LaunchInput): Promise<string> => {
  try {
    const out = await cfn.send(
      new CreateStackCommand({
        StackName: input.stackName,
        ...('url' in input.template ? { TemplateURL: input.template.url } : { TemplateBody: input.template.body }),
        ClientRequestToken: input.clientRequestToken,
        OnFailure: 'ROLLBACK',
        ...stackSettingsInput(input),
      }),
    );
    if (!out.StackId) throw new Error('CreateStack answered without a StackId');
    return out.StackId;
  } catch (e) {
    if (!(e instanceof Error && e.name === 'AlreadyExistsException')) throw e;
    return adoptStack(cfn, input.stackName, input.requestId);
  }
};

/** The id of the existing stack named `stackName` if it carries this request's tag. */
export const adoptStack = async (cfn: CloudFormationClient, stackName: string, requestId: string): Promise<string> => {
  const existing = await describeStack(cfn, stackName);
  if (!existing) throw new ForeignStackError(`stack ${stackName} vanished while being adopted`);
  if (existing.tags[REQUEST_TAG] !== requestId) {
    throw new ForeignStackError(`stack ${stackName} exists but belongs to ${existing.tags[REQUEST_TAG] ?? 'no BYOB request'}`);
  }
  return existing.stackId;
};

/**
 * The template a stack runs (GetTemplate, stage Original: as submitted), parsed; null when CloudFormation
 * does not know the stack (a deleted one stays readable by its id for 90 days).
 */
export const stackTemplate = async (cfn: CloudFormationClient, stackId: string): Promise<unknown> => {
  try {
    const out = await cfn.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' }));
    return out.TemplateBody ? (JSON.parse(out.TemplateBody) as unknown) : null;
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
};

/** Starts deleting a stack; the bucket and key are retained by their DeletionPolicy. */
export const deleteStack = async (cfn: CloudFormationClient, stackId: string): Promise<void> => {
  await cfn.send(new DeleteStackCommand({ StackName: stackId }));
};

const FAILED = /_FAILED$/;
const CANCELLED = /cancelled|canceled/i;

/**
 * The first resource that failed, oldest first, from DescribeStackEvents: that reason explains the
 * rollback; later failures are usually "Resource creation cancelled" noise. `since` (ISO time) keeps
 * to one operation's events: an update's, not those of an earlier one.
 */
export const firstFailure = async (cfn: CloudFormationClient, stackId: string, since?: string): Promise<Failure | null> => {
  const events: StackEvent[] = [];
  let next: string | undefined;
  for (let page = 0; page < 10; page++) {
    const out = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: next }));
    events.push(...(out.StackEvents ?? []));
    next = out.NextToken;
    if (!next) break;
  }
  const failures = events
    .filter((e) => FAILED.test(e.ResourceStatus ?? '') && e.ResourceType !== 'AWS::CloudFormation::Stack')
    .filter((e) => since === undefined || (e.Timestamp?.getTime() ?? 0) >= Date.parse(since))
    .sort((a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0));
  const chosen = failures.find((e) => !CANCELLED.test(e.ResourceStatusReason ?? '')) ?? failures[0];
  if (!chosen) return null;
  return {
    code: 'stack_failed',
    message: chosen.ResourceStatusReason ?? `${chosen.LogicalResourceId} ${chosen.ResourceStatus}`,
    resource: chosen.LogicalResourceId ?? null,
  };
};

/** Maps stack outputs (names of templates/spec OUTPUT_NAMES) to the record's outputs. */
export const outputsFromStack = (outputs: Record<string, string>, stackId: string, fallbackRegion: string): Outputs | null => {
  if (!outputs.BucketName || !outputs.BucketArn) return null;
  const accountId = /^arn:aws:cloudformation:[^:]+:(\d{12}):/.exec(stackId)?.[1] ?? null;
  return {
    bucketName: outputs.BucketName,
    bucketArn: outputs.BucketArn,
    kmsKeyArn: outputs.KmsKeyArn || null,
    region: outputs.Region || fallbackRegion,
    roleArn: outputs.RoleArn || null,
    accountId,
  };
};

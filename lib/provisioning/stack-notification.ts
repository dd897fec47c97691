/** One CloudFormation stack notification, as published to NotificationARNs topics. */
export interface StackNotification {
  stackId: string;
  stackName: string;
  logicalResourceId: string;
  resourceType: string;
  resourceStatus: string;
  resourceStatusReason: string;
  clientRequestToken: string;
}

const FIELD = /(\w+)='([\s\S]*?)'(?:\r?\n|$)(?=\w+='|$)/g;

/**
 * Parses CloudFormation's notification text (`Key='value'` lines; values such as ResourceProperties may
 * span lines) into the fields the API uses; null when it is not a stack notification.
 */
export const parseStackNotification = (message: string): StackNotification | null => {
  const fields: Record<string, string> = {};
  for (const m of message.matchAll(FIELD)) fields[m[1]!] = m[2]!;
  if (!fields.StackId || !fields.ResourceStatus || !fields.StackName) return null;
  return {
    stackId: fields.StackId,
    stackName: fields.StackName,
    logicalResourceId: fields.LogicalResourceId ?? '',
    resourceType: fields.ResourceType ?? '',
    resourceStatus: fields.ResourceStatus,
    resourceStatusReason: fields.ResourceStatusReason ?? '',
    clientRequestToken: fields.ClientRequestToken ?? '',
  };
};

/** Whether the notification is about the stack itself (not one of its resources). */
export const isStackLevel = (n: StackNotification): boolean =>
  n.resourceType === 'AWS::CloudFormation::Stack' && n.logicalResourceId === n.stackName;

/** What a stack status means for a request. */
export type StackOutcome = 'in-progress' | 'complete' | 'failed' | 'deleted' | 'other';

/** Classifies a stack status. */
export const stackOutcome = (status: string): StackOutcome => {
  if (status === 'CREATE_COMPLETE') return 'complete';
  if (status === 'CREATE_IN_PROGRESS') return 'in-progress';
  if (status === 'DELETE_COMPLETE') return 'deleted';
  if (/ROLLBACK|FAILED/.test(status)) return status.endsWith('_IN_PROGRESS') ? 'in-progress' : 'failed';
  return 'other';
};

/** The SNS part of a Lambda SNS event record. */
export interface SnsRecord {
  Sns: { Message: string; MessageId?: string; TopicArn?: string };
}

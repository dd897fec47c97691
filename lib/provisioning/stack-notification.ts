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
export type StackOutcome =
  | 'in-progress'
  | 'complete'
  | 'failed'
  | 'deleted'
  | 'update-in-progress'
  | 'updated'
  | 'update-rolled-back'
  | 'update-failed'
  | 'other';

/**
 * Classifies a stack status. An update that rolled back (UPDATE_ROLLBACK_COMPLETE) left a healthy
 * stack on its previous template, unlike a creation's rollback; one whose rollback failed (or that
 * ran without rollback) needs the stack's owner.
 */
export const stackOutcome = (status: string): StackOutcome => {
  if (status.startsWith('UPDATE_')) {
    if (status === 'UPDATE_COMPLETE' || status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS') return 'updated';
    if (status === 'UPDATE_ROLLBACK_COMPLETE') return 'update-rolled-back';
    if (status.endsWith('_IN_PROGRESS')) return 'update-in-progress';
    return 'update-failed';
  }
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

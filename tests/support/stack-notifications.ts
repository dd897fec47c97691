import type { SnsRecord } from '../../lib/provisioning/stack-notification.js';

/**
 * A CloudFormation stack notification as it is published to NotificationARNs topics: `Key='value'`
 * lines, the stack itself reported as a resource of type AWS::CloudFormation::Stack named like the stack.
 */
export const stackNotificationMessage = (n: {
  stackId: string;
  stackName: string;
  resourceStatus: string;
  logicalResourceId?: string;
  resourceType?: string;
  reason?: string;
}): string =>
  [
    `StackId='${n.stackId}'`,
    "Timestamp='2026-11-24T10:00:04.000Z'",
    "EventId='e1'",
    `LogicalResourceId='${n.logicalResourceId ?? n.stackName}'`,
    "Namespace='123456789012'",
    `PhysicalResourceId='${n.stackId}'`,
    "ResourceProperties='null'",
    `ResourceStatus='${n.resourceStatus}'`,
    `ResourceStatusReason='${n.reason ?? ''}'`,
    `ResourceType='${n.resourceType ?? 'AWS::CloudFormation::Stack'}'`,
    `StackName='${n.stackName}'`,
    "ClientRequestToken='create-01JQC00000000000000000TEST'",
    '',
  ].join('\n');

/** SNS records as the Lambda event carries them, one per message, each with its own MessageId. */
export const snsRecords = (...messages: string[]): SnsRecord[] =>
  messages.map((Message, i) => ({ Sns: { Message, MessageId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, TopicArn: 'arn:aws:sns:eu-central-1:123456789012:byob-local-stack-events' } }));

import type { DescribeStacksCommandOutput, StackEvent } from '@aws-sdk/client-cloudformation';
import { T0 } from './fakes.js';
import { DIRECT_STACK_ID, STACK_NAME, STACK_OUTPUTS } from './records.js';

/** DescribeStacks' answer for one stack (what aws-sdk-client-mock hands back). */
export const describedStack = (
  status: string,
  o: { outputs?: Record<string, string>; stackId?: string; tags?: Record<string, string> } = {},
): DescribeStacksCommandOutput => ({
  $metadata: {},
  Stacks: [
    {
      StackId: o.stackId ?? DIRECT_STACK_ID,
      StackName: STACK_NAME,
      StackStatus: status as never,
      CreationTime: T0,
      Outputs: Object.entries(o.outputs ?? STACK_OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      Tags: Object.entries(o.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    },
  ],
});

/** The error CloudFormation answers DescribeStacks with for a stack it does not know. */
export const stackDoesNotExist = (nameOrId = STACK_NAME): Error =>
  Object.assign(new Error(`Stack with id ${nameOrId} does not exist`), { name: 'ValidationError' });

/** A resource's CREATE_FAILED event, `secondsAfterT0` after T0. */
export const failedEvent = (logicalId: string, reason: string, secondsAfterT0: number): StackEvent => ({
  StackId: DIRECT_STACK_ID,
  StackName: STACK_NAME,
  EventId: `${logicalId}-${secondsAfterT0}`,
  Timestamp: new Date(T0.getTime() + secondsAfterT0 * 1000),
  LogicalResourceId: logicalId,
  ResourceType: 'AWS::S3::Bucket',
  ResourceStatus: 'CREATE_FAILED',
  ResourceStatusReason: reason,
});

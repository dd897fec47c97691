import { describe, expect, it } from 'vitest';
import { isStackLevel, parseStackNotification, stackOutcome } from '../../../lib/provisioning/stack-notification.js';
import { stackNotificationMessage } from '../../support/stack-notifications.js';

const stackId = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/byob-x/0b1c';

describe('parseStackNotification', () => {
  it("parses CloudFormation's Key='value' notification, including multi-line values", () => {
    const message = [
      `StackId='${stackId}'`,
      "Timestamp='2026-11-24T00:00:04.000Z'",
      "EventId='e1'",
      "LogicalResourceId='byob-x'",
      "Namespace='111122223333'",
      `PhysicalResourceId='${stackId}'`,
      "ResourceProperties='{\n  \"a\": \"b'c\"\n}'",
      "ResourceStatus='CREATE_COMPLETE'",
      "ResourceStatusReason=''",
      "ResourceType='AWS::CloudFormation::Stack'",
      "StackName='byob-x'",
      "ClientRequestToken='create-x'",
      '',
    ].join('\n');
    const n = parseStackNotification(message)!;
    expect(n).toMatchObject({ stackId, stackName: 'byob-x', resourceStatus: 'CREATE_COMPLETE', clientRequestToken: 'create-x' });
    expect(isStackLevel(n)).toBe(true);
    expect(parseStackNotification('not a notification')).toBeNull();
  });

  it('reads every field the API uses, the reason included', () => {
    const message = stackNotificationMessage({
      stackId,
      stackName: 'byob-x',
      logicalResourceId: 'ByobBucket',
      resourceType: 'AWS::S3::Bucket',
      resourceStatus: 'CREATE_FAILED',
      reason: 'byob-data already exists',
    });

    expect(parseStackNotification(message)).toEqual({
      stackId,
      stackName: 'byob-x',
      logicalResourceId: 'ByobBucket',
      resourceType: 'AWS::S3::Bucket',
      resourceStatus: 'CREATE_FAILED',
      resourceStatusReason: 'byob-data already exists',
      clientRequestToken: 'create-01JQC00000000000000000TEST',
    });
  });

  it('reads CRLF line endings', () => {
    const message = stackNotificationMessage({ stackId, stackName: 'byob-x', resourceStatus: 'DELETE_COMPLETE' }).replaceAll('\n', '\r\n');

    expect(parseStackNotification(message)).toMatchObject({ stackId, stackName: 'byob-x', resourceStatus: 'DELETE_COMPLETE' });
  });

  it('fills absent optional fields with empty strings', () => {
    const n = parseStackNotification(`StackId='${stackId}'\nStackName='byob-x'\nResourceStatus='CREATE_IN_PROGRESS'\n`);

    expect(n).toEqual({ stackId, stackName: 'byob-x', logicalResourceId: '', resourceType: '', resourceStatus: 'CREATE_IN_PROGRESS', resourceStatusReason: '', clientRequestToken: '' });
  });

  it.each([
    ['StackId', `StackName='byob-x'\nResourceStatus='CREATE_COMPLETE'\n`],
    ['StackName', `StackId='${stackId}'\nResourceStatus='CREATE_COMPLETE'\n`],
    ['ResourceStatus', `StackId='${stackId}'\nStackName='byob-x'\n`],
  ])('answers null without %s', (_field, message) => {
    expect(parseStackNotification(message)).toBeNull();
  });

  it('answers null for JSON (e.g. a custom resource request sent to the wrong topic)', () => {
    expect(parseStackNotification(JSON.stringify({ StackId: stackId, RequestType: 'Create' }))).toBeNull();
  });
});

describe('isStackLevel', () => {
  it('is false for one of the stack’s resources', () => {
    const n = parseStackNotification(stackNotificationMessage({ stackId, stackName: 'byob-x', logicalResourceId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', resourceStatus: 'CREATE_COMPLETE' }))!;

    expect(isStackLevel(n)).toBe(false);
  });

  it('is false for a nested stack (a stack resource under another name)', () => {
    const n = parseStackNotification(stackNotificationMessage({ stackId, stackName: 'byob-x', logicalResourceId: 'Nested', resourceType: 'AWS::CloudFormation::Stack', resourceStatus: 'CREATE_COMPLETE' }))!;

    expect(isStackLevel(n)).toBe(false);
  });
});

describe('stackOutcome', () => {
  it.each([
    ['CREATE_COMPLETE', 'complete'],
    ['CREATE_IN_PROGRESS', 'in-progress'],
    ['ROLLBACK_IN_PROGRESS', 'in-progress'],
    ['ROLLBACK_COMPLETE', 'failed'],
    ['CREATE_FAILED', 'failed'],
    ['ROLLBACK_FAILED', 'failed'],
    ['DELETE_COMPLETE', 'deleted'],
    ['DELETE_FAILED', 'failed'],
    ['DELETE_IN_PROGRESS', 'other'],
    ['UPDATE_COMPLETE', 'updated'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'updated'],
    ['UPDATE_IN_PROGRESS', 'update-in-progress'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', 'update-in-progress'],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'update-in-progress'],
    // An update that rolled back leaves a healthy stack on its old template: not a failed creation.
    ['UPDATE_ROLLBACK_COMPLETE', 'update-rolled-back'],
    ['UPDATE_ROLLBACK_FAILED', 'update-failed'],
    ['UPDATE_FAILED', 'update-failed'],
    ['REVIEW_IN_PROGRESS', 'other'],
  ])('classifies %s as %s', (status, outcome) => {
    expect(stackOutcome(status)).toBe(outcome);
  });
});

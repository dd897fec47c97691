import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { driftDegrades, MAX_DRIFT_VALUE_CHARS, readDriftDetection, startDriftDetection, type DriftSummary } from '../../../lib/provisioning/drift.js';

const cfnMock = mockClient(CloudFormationClient);
const cfn = new CloudFormationClient({ region: 'eu-west-1' });
const STACK = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/byob-x/1';
const AT = '2026-11-24T10:00:00.000Z';

afterEach(() => {
  cfnMock.reset();
});

const summary = (resources: DriftSummary['resources']): DriftSummary => ({ status: 'DRIFTED', checkedAt: AT, resources });

describe('startDriftDetection', () => {
  it('starts detection of the stack and returns its id', async () => {
    cfnMock.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'det-1' });

    expect(await startDriftDetection(cfn, STACK)).toBe('det-1');
    expect(cfnMock).toHaveReceivedCommandWith(DetectStackDriftCommand, { StackName: STACK });
  });
});

describe('readDriftDetection', () => {
  it('is null while the detection runs', async () => {
    cfnMock.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_IN_PROGRESS', StackId: STACK, StackDriftDetectionId: 'det-1', Timestamp: new Date() });

    expect(await readDriftDetection(cfn, 'det-1', STACK, AT)).toBeNull();
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStackResourceDriftsCommand);
  });

  it('summarises every resource, sorted, with differences clipped, across pages', async () => {
    // Prepare
    cfnMock.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'DRIFTED', StackId: STACK, StackDriftDetectionId: 'det-1', Timestamp: new Date() });
    cfnMock
      .on(DescribeStackResourceDriftsCommand, { StackName: STACK, NextToken: undefined })
      .resolves({
        NextToken: 'p2',
        StackResourceDrifts: [
          {
            StackId: STACK,
            LogicalResourceId: 'ByobBucket',
            ResourceType: 'AWS::S3::Bucket',
            StackResourceDriftStatus: 'MODIFIED',
            Timestamp: new Date(),
            PropertyDifferences: [{ PropertyPath: '/VersioningConfiguration/Status', ExpectedValue: 'Enabled', ActualValue: 'Suspended', DifferenceType: 'NOT_EQUAL' }],
          },
        ],
      })
      .on(DescribeStackResourceDriftsCommand, { StackName: STACK, NextToken: 'p2' })
      .resolves({
        StackResourceDrifts: [
          {
            StackId: STACK,
            LogicalResourceId: 'ByobBucketPolicy',
            ResourceType: 'AWS::S3::BucketPolicy',
            StackResourceDriftStatus: 'MODIFIED',
            Timestamp: new Date(),
            PropertyDifferences: [{ PropertyPath: '/PolicyDocument/Statement/2', ExpectedValue: 'x'.repeat(1000), ActualValue: undefined, DifferenceType: 'REMOVE' }],
          },
          { StackId: STACK, LogicalResourceId: 'ByobAlias', ResourceType: 'AWS::KMS::Alias', StackResourceDriftStatus: 'NOT_CHECKED', Timestamp: new Date() },
        ],
      });

    // Act
    const drift = await readDriftDetection(cfn, 'det-1', STACK, AT);

    // Assess
    expect(drift).toEqual({
      status: 'DRIFTED',
      checkedAt: AT,
      resources: [
        { logicalId: 'ByobAlias', resourceType: 'AWS::KMS::Alias', status: 'NOT_CHECKED', differences: [] },
        { logicalId: 'ByobBucket', resourceType: 'AWS::S3::Bucket', status: 'MODIFIED', differences: [{ path: '/VersioningConfiguration/Status', type: 'NOT_EQUAL', expected: 'Enabled', actual: 'Suspended' }] },
        { logicalId: 'ByobBucketPolicy', resourceType: 'AWS::S3::BucketPolicy', status: 'MODIFIED', differences: [{ path: '/PolicyDocument/Statement/2', type: 'REMOVE', expected: expect.stringMatching(/…$/), actual: null }] },
      ],
    });
    expect(drift!.resources[2]!.differences[0]!.expected).toHaveLength(MAX_DRIFT_VALUE_CHARS);
  });

  it('a failed detection is UNKNOWN with CloudFormation’s reason', async () => {
    cfnMock.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_FAILED', DetectionStatusReason: 'Failed to detect drift on resource [ByobAccessRole]: access denied', StackId: STACK, StackDriftDetectionId: 'det-1', Timestamp: new Date() });
    cfnMock.on(DescribeStackResourceDriftsCommand).resolves({ StackResourceDrifts: [] });

    expect(await readDriftDetection(cfn, 'det-1', STACK, AT)).toEqual({ status: 'UNKNOWN', checkedAt: AT, resources: [], detail: expect.stringContaining('access denied') });
  });
});

describe('driftDegrades', () => {
  const modified = (type: 'ADD' | 'REMOVE' | 'NOT_EQUAL') => ({ logicalId: 'B', resourceType: 'AWS::S3::Bucket', status: 'MODIFIED' as const, differences: [{ path: '/Tags/3', type, expected: null, actual: null }] });

  it('a deleted resource, or a property removed or changed, takes something the template promised', () => {
    expect(driftDegrades(summary([{ logicalId: 'B', resourceType: 'AWS::S3::Bucket', status: 'DELETED', differences: [] }]))).toBe(true);
    expect(driftDegrades(summary([modified('REMOVE')]))).toBe(true);
    expect(driftDegrades(summary([modified('NOT_EQUAL')]))).toBe(true);
  });

  it("what the customer only added (a tag, a statement, a CORS rule) is theirs; unknown drift degrades nothing", () => {
    expect(driftDegrades(summary([modified('ADD')]))).toBe(false);
    expect(driftDegrades({ status: 'UNKNOWN', checkedAt: AT, resources: [], detail: 'no permission' })).toBe(false);
    expect(driftDegrades(null)).toBe(false);
  });
});

import {
  type CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  type StackResourceDrift,
} from '@aws-sdk/client-cloudformation';

/**
 * CloudFormation drift detection of a request's stack, summarised for the record: which resources
 * differ from the template and how. Detection is asynchronous on AWS (seconds to minutes), so it is
 * started in one reconciler run and read back in a later one.
 */

/** One property that differs from the template. */
export interface DriftDifference {
  path: string;
  type: 'ADD' | 'REMOVE' | 'NOT_EQUAL';
  expected: string | null;
  actual: string | null;
}

/** A stack resource as drift detection saw it. */
export interface ResourceDrift {
  logicalId: string;
  resourceType: string;
  status: 'IN_SYNC' | 'MODIFIED' | 'DELETED' | 'NOT_CHECKED' | 'UNKNOWN';
  differences: DriftDifference[];
}

/** What the record shows of the last drift detection. */
export interface DriftSummary {
  status: 'IN_SYNC' | 'DRIFTED' | 'UNKNOWN';
  checkedAt: string;
  resources: ResourceDrift[];
  /** Why the status is UNKNOWN (detection failed, timed out or could not start). */
  detail?: string;
}

/** Longest expected/actual value kept per difference: policies can be kilobytes, and webhooks stay small. */
export const MAX_DRIFT_VALUE_CHARS = 300;

const clip = (value: string | undefined): string | null =>
  value === undefined ? null : value.length > MAX_DRIFT_VALUE_CHARS ? `${value.slice(0, MAX_DRIFT_VALUE_CHARS - 1)}…` : value;

const resourceStatuses = new Set<ResourceDrift['status']>(['IN_SYNC', 'MODIFIED', 'DELETED', 'NOT_CHECKED']);
const differenceTypes = new Set<DriftDifference['type']>(['ADD', 'REMOVE', 'NOT_EQUAL']);

const toResourceDrift = (d: StackResourceDrift): ResourceDrift => ({
  logicalId: d.LogicalResourceId ?? '',
  resourceType: d.ResourceType ?? '',
  status: resourceStatuses.has(d.StackResourceDriftStatus as ResourceDrift['status']) ? (d.StackResourceDriftStatus as ResourceDrift['status']) : 'UNKNOWN',
  differences: (d.PropertyDifferences ?? []).map((p) => ({
    path: p.PropertyPath ?? '',
    type: differenceTypes.has(p.DifferenceType as DriftDifference['type']) ? (p.DifferenceType as DriftDifference['type']) : 'NOT_EQUAL',
    expected: clip(p.ExpectedValue),
    actual: clip(p.ActualValue),
  })),
});

/**
 * Whether drift takes something away from what the template promised: a resource deleted, or a
 * property removed or changed. Pure additions (a tag, a policy statement or a CORS rule the customer
 * added) are the customer's own and are only recorded.
 */
export const driftDegrades = (drift: DriftSummary | null | undefined): boolean =>
  Boolean(drift?.resources.some((r) => r.status === 'DELETED' || (r.status === 'MODIFIED' && r.differences.some((d) => d.type !== 'ADD'))));

/** A summary that says drift is not known, and why. */
export const unknownDrift = (checkedAt: string, detail: string): DriftSummary => ({ status: 'UNKNOWN', checkedAt, resources: [], detail });

/** Starts drift detection of a stack; returns the detection id. */
export const startDriftDetection = async (cfn: CloudFormationClient, stackId: string): Promise<string> => {
  const out = await cfn.send(new DetectStackDriftCommand({ StackName: stackId }));
  if (!out.StackDriftDetectionId) throw new Error(`DetectStackDrift of ${stackId} returned no detection id`);
  return out.StackDriftDetectionId;
};

const resourceDrifts = async (cfn: CloudFormationClient, stackId: string): Promise<ResourceDrift[]> => {
  const found: ResourceDrift[] = [];
  let NextToken: string | undefined;
  for (let page = 0; page < 10; page++) {
    const out = await cfn.send(new DescribeStackResourceDriftsCommand({ StackName: stackId, NextToken }));
    found.push(...(out.StackResourceDrifts ?? []).map(toResourceDrift));
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return found.sort((a, b) => (a.logicalId < b.logicalId ? -1 : 1));
};

/**
 * The result of a detection, or null while it is still running. A failed detection (e.g. missing read
 * permissions on a resource) is UNKNOWN with CloudFormation's reason and whatever it did check.
 */
export const readDriftDetection = async (cfn: CloudFormationClient, detectionId: string, stackId: string, checkedAt: string): Promise<DriftSummary | null> => {
  const status = await cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: detectionId }));
  if (status.DetectionStatus === 'DETECTION_IN_PROGRESS') return null;
  const resources = await resourceDrifts(cfn, stackId);
  if (status.DetectionStatus === 'DETECTION_FAILED') {
    return { ...unknownDrift(checkedAt, `Drift detection failed: ${status.DetectionStatusReason ?? 'no reason given'}`), resources };
  }
  const stackStatus = status.StackDriftStatus === 'DRIFTED' || status.StackDriftStatus === 'IN_SYNC' ? status.StackDriftStatus : 'UNKNOWN';
  return { status: stackStatus, checkedAt, resources };
};

import type { ByobRecord } from '../../../lib/provisioning/record.js';

/** The id of request `n`: a higher n sorts later, as a newer ULID does. */
export const idOf = (n: number) => `byob_01JQC${String(n).padStart(21, '0')}`;

/** Request `n` of `tenant` as stored: a READY direct-mode request with its own team and stack, `over` replacing any field. */
export const storedRequest = (tenant: string, n: number, over: Partial<ByobRecord> = {}): ByobRecord => {
  const at = '2026-11-24T10:00:00.000Z';
  return {
    tenant,
    id: idOf(n),
    status: 'READY',
    version: 3,
    scope: 'team',
    team: `t${n}`,
    region: 'eu-west-1',
    bucketName: `acme-t${n}`,
    encryption: { type: 'sse-s3' },
    corsRules: [],
    accessRole: false,
    launch: { mode: 'direct', roleArn: null, stackName: `byob-s${n}`, stackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/byob-s${n}/x`, stackStatus: 'CREATE_COMPLETE' },
    quickCreate: null,
    templateKey: `templates/${idOf(n)}/n.json`,
    templateBucket: 'byob-templates-eu-west-1',
    callback: null,
    tags: {},
    outputs: null,
    verification: null,
    failure: null,
    activeKey: `team#t${n}`,
    dueAt: null,
    createdAt: at,
    updatedAt: at,
    ...over,
  };
};

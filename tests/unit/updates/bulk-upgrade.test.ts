import {
  type Change,
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { parseConfig } from '../../../lib/config.js';
import { ValidationError } from '../../../lib/errors.js';
import { logger } from '../../../lib/logger.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { BULK_POOL_SIZE, BULK_START_WINDOW_MS, bulkUpgrade, type BulkUpgradeDeps, BulkUpgradeRequest } from '../../../lib/updates/bulk-upgrade.js';
import { fakeDeps, localEnv, REGION, T0, testClock } from '../../support/fakes.js';
import { idleCallback, quickCreateRecord, readyRecord } from '../../support/records.js';

const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);

const LATEST = '2027-01-05.1';
const OLDER = '2026-11-24.1';
const idOf = (n: number) => `byob_01JQC${String(n).padStart(21, '0')}`;
const stackOf = (n: number) => `arn:aws:cloudformation:${REGION}:123456789012:stack/byob-s${n}/x`;
/** The stack's name, whether a call names it by name or by id. */
const nameOf = (stack: string) => (stack.includes(':stack/') ? stack.split(':stack/')[1]!.split('/')[0]! : stack);
/** Stacks (by name) whose change set would replace the bucket. */
const replacing = new Set<string>();

const modifyBucket: Change = { Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'ByobBucket', ResourceType: 'AWS::S3::Bucket', Replacement: 'False' } };
const replaceBucket: Change = { Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: 'ByobBucket', ResourceType: 'AWS::S3::Bucket', Replacement: 'True' } };

beforeEach(() => {
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
  replacing.clear();
  s3Mock.on(PutObjectCommand).resolves({});
  cfnMock.on(CreateChangeSetCommand).callsFake(async (input: { StackName: string; ChangeSetName: string }) => ({ Id: `${input.StackName}/cs/${input.ChangeSetName}` }));
  cfnMock.on(DescribeChangeSetCommand).callsFake(async (input: { StackName: string; ChangeSetName: string }) => ({
    ChangeSetId: input.ChangeSetName.includes('/cs/') ? input.ChangeSetName : `${input.StackName}/cs/${input.ChangeSetName}`,
    Status: 'CREATE_COMPLETE',
    ExecutionStatus: 'AVAILABLE',
    Changes: [replacing.has(nameOf(input.StackName)) ? replaceBucket : modifyBucket],
  }));
  cfnMock.on(ExecuteChangeSetCommand).resolves({});
  cfnMock.on(DeleteChangeSetCommand).resolves({});
});
afterEach(() => {
  cfnMock.reset();
  s3Mock.reset();
  vi.restoreAllMocks();
});

/** A READY direct request numbered `n` (higher is newer) on the older template version. */
const directNo = (n: number, over: Partial<ByobRecord> = {}) =>
  readyRecord({ id: idOf(n), activeKey: `team#t${n}`, templateVersion: OLDER, callback: idleCallback(), launch: { ...readyRecord().launch, stackName: `byob-s${n}`, stackId: stackOf(n) }, ...over });

const tenantWith = (records: ByobRecord[], clock = testClock()) => {
  const f = fakeDeps({ config: parseConfig(localEnv({ TEMPLATE_VERSION: LATEST })), clock: clock.now });
  const deps: BulkUpgradeDeps = { ...f.deps, vendorS3: () => new S3Client({ region: REGION }), outdated: f.store.outdated };
  const read = records.map((r) => f.store.seed(r));
  const current = (n: number) => f.store.current('acme', idOf(n));
  return { ...f, deps, read, current, clock };
};
const body = (over: Partial<z.input<typeof BulkUpgradeRequest>> = {}) => z.parse(BulkUpgradeRequest, over);

describe('POST /byob/upgrade body', () => {
  it('takes an empty body as every default, and refuses what is out of range or unknown', () => {
    expect(z.parse(BulkUpgradeRequest, undefined)).toEqual({ dryRun: false, limit: 10 });
    expect(z.safeParse(BulkUpgradeRequest, { limit: 26 }).success).toBe(false);
    expect(z.safeParse(BulkUpgradeRequest, { limit: 0 }).success).toBe(false);
    expect(z.safeParse(BulkUpgradeRequest, { limit: 2.5 }).success).toBe(false);
    expect(z.safeParse(BulkUpgradeRequest, { dryRun: 'yes' }).success).toBe(false);
    expect(z.safeParse(BulkUpgradeRequest, { all: true }).success).toBe(false);
  });
});

describe('bulkUpgrade, dry run', () => {
  it('previews each request: its change set described and deleted, nothing executed, no record written', async () => {
    const quick = quickCreateRecord({ id: idOf(4), activeKey: 'team#t4', status: 'READY', templateVersion: OLDER, launch: { ...quickCreateRecord().launch, stackId: stackOf(4) } });
    const { deps, read, store } = tenantWith([directNo(1), directNo(2), directNo(3, { status: 'DEGRADED' }), quick, directNo(5, { templateVersion: LATEST }), directNo(6, { status: 'UPDATING' })]);
    replacing.add('byob-s2');

    const answer = await bulkUpgrade(deps, 'acme', body({ dryRun: true }));

    expect(answer).toEqual({
      items: [
        { id: idOf(4), templateVersion: OLDER, toVersion: LATEST, result: 'skipped', changes: null, pendingUpdate: null },
        { id: idOf(3), templateVersion: OLDER, toVersion: LATEST, result: 'would_update', changes: [expect.objectContaining({ logicalId: 'ByobBucket', replacement: 'False' })] },
        {
          id: idOf(2),
          templateVersion: OLDER,
          toVersion: LATEST,
          result: 'would_refuse',
          changes: [expect.objectContaining({ logicalId: 'ByobBucket', replacement: 'True' })],
          problem: expect.objectContaining({ status: 409, offendingResources: [expect.objectContaining({ logicalId: 'ByobBucket', why: expect.stringMatching(/holds the data/) })] }),
        },
        { id: idOf(1), templateVersion: OLDER, toVersion: LATEST, result: 'would_update', changes: [expect.objectContaining({ logicalId: 'ByobBucket' })] },
      ],
      nextCursor: null,
    });
    const created = cfnMock.commandCalls(CreateChangeSetCommand).map((c) => c.args[0].input);
    expect(created.map((c) => nameOf(c.StackName!)).sort()).toEqual(['byob-s1', 'byob-s2', 'byob-s3']);
    expect(created.every((c) => c.ChangeSetName!.startsWith('byob-preview-'))).toBe(true);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input.ChangeSetName).sort()).toEqual(created.map((c) => `${c.StackName}/cs/${c.ChangeSetName}`).sort());
    expect(cfnMock).not.toHaveReceivedCommand(ExecuteChangeSetCommand);
    expect(read.map((r) => store.current('acme', r.id))).toEqual(read);
    expect(store.outbox.size).toBe(0);
  });

  it('shows a quick-create request\'s waiting offer at the latest version', async () => {
    const offer = {
      id: 'upd-01JQC00000000000000000OFR1',
      kind: 'upgrade' as const,
      toVersion: LATEST,
      target: { corsRules: [], tags: {}, accessRole: false },
      templateKey: 'templates/k.json',
      templateUrl: 'https://b.s3.eu-central-1.amazonaws.com/templates/k.json',
      offeredAt: T0.toISOString(),
    };
    const quick = quickCreateRecord({ id: idOf(1), status: 'READY', templateVersion: OLDER, pendingUpdate: offer, launch: { ...quickCreateRecord().launch, stackId: stackOf(1) } });
    const { deps } = tenantWith([quick]);

    const [item] = (await bulkUpgrade(deps, 'acme', body({ dryRun: true }))).items;

    expect(item).toMatchObject({ result: 'skipped', pendingUpdate: { id: offer.id, templateUrl: offer.templateUrl, consoleUrl: expect.stringContaining('#/stacks/update/template?stackId=') } });
  });
});

describe('bulkUpgrade', () => {
  it('starts each upgrade as POST /byob/{id}/upgrade does: started, refused with the offending resources, skipped when busy; quick-create offered', async () => {
    const quick = quickCreateRecord({ id: idOf(4), activeKey: 'team#t4', status: 'READY', templateVersion: OLDER, launch: { ...quickCreateRecord().launch, stackId: stackOf(4) } });
    const { deps, store, current } = tenantWith([directNo(1), directNo(2), directNo(3), quick]);
    replacing.add('byob-s2');
    // Another update takes request 1 between the listing and its turn.
    const list = store.listOutdated.bind(store);
    store.listOutdated = async (tenant, q) => {
      const page = await list(tenant, q);
      await store.patch(store.current('acme', idOf(1)), {}, T0.toISOString());
      store.records.set(`acme|${idOf(1)}`, { ...store.current('acme', idOf(1)), status: 'UPDATING' });
      return page;
    };

    const { items, nextCursor } = await bulkUpgrade(deps, 'acme', body());

    expect(items.map((i) => [i.id, i.result])).toEqual([
      [idOf(4), 'skipped'],
      [idOf(3), 'started'],
      [idOf(2), 'refused'],
      [idOf(1), 'skipped'],
    ]);
    expect(nextCursor).toBeNull();
    expect(items[0]).toMatchObject({ pendingUpdate: { toVersion: LATEST, id: current(4).pendingUpdate!.id } });
    expect(items[1]).toMatchObject({ changes: [expect.objectContaining({ logicalId: 'ByobBucket' })] });
    expect(current(3)).toMatchObject({ status: 'UPDATING', update: { kind: 'upgrade', toVersion: LATEST, phase: 'executing' } });
    expect(items[2]!.problem).toMatchObject({ status: 409, offendingResources: [expect.objectContaining({ logicalId: 'ByobBucket' })] });
    expect(current(2)).toMatchObject({ status: 'READY', lastUpdate: { status: 'failed', resource: 'ByobBucket' } });
    expect(items[3]!.problem).toMatchObject({ status: 409, detail: expect.stringMatching(/UPDATING/) });
    expect(cfnMock).toHaveReceivedCommandTimes(ExecuteChangeSetCommand, 1);
  });

  it('takes at most `limit` a call, newest first, and goes on from `nextCursor`', async () => {
    const { deps } = tenantWith([directNo(1), directNo(2), directNo(3)]);

    const first = await bulkUpgrade(deps, 'acme', body({ dryRun: true, limit: 2 }));
    const second = await bulkUpgrade(deps, 'acme', body({ dryRun: true, limit: 2, cursor: first.nextCursor! }));

    expect(first.items.map((i) => i.id)).toEqual([idOf(3), idOf(2)]);
    expect(second).toMatchObject({ items: [{ id: idOf(1) }], nextCursor: null });
    await expect(bulkUpgrade(deps, 'acme', body({ cursor: 'bm90LWFuLWlk' }))).rejects.toBeInstanceOf(ValidationError);
  });

  it(`works ${BULK_POOL_SIZE} requests at a time`, async () => {
    let running = 0;
    let most = 0;
    cfnMock.on(CreateChangeSetCommand).callsFake(async (input: { StackName: string; ChangeSetName: string }) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return { Id: `${input.StackName}/cs/${input.ChangeSetName}` };
    });
    const { deps } = tenantWith(Array.from({ length: 10 }, (_, i) => directNo(i + 1)));

    const { items } = await bulkUpgrade(deps, 'acme', body({ dryRun: true }));

    expect(items).toHaveLength(10);
    expect(most).toBe(BULK_POOL_SIZE);
  });

  it(`starts nothing ${BULK_START_WINDOW_MS / 1000} s after the call began: the rest is left to the next call`, async () => {
    const clock = testClock();
    const { deps } = tenantWith(Array.from({ length: 6 }, (_, i) => directNo(i + 1)), clock);
    // The first requests' change sets take long enough that no request is started after them.
    cfnMock.on(CreateChangeSetCommand).callsFake(async (input: { StackName: string; ChangeSetName: string }) => {
      clock.set(new Date(T0.getTime() + BULK_START_WINDOW_MS + 1));
      return { Id: `${input.StackName}/cs/${input.ChangeSetName}` };
    });

    const first = await bulkUpgrade(deps, 'acme', body({ dryRun: true }));
    clock.set(T0);
    const rest = await bulkUpgrade(deps, 'acme', body({ dryRun: true, cursor: first.nextCursor! }));

    expect(first.items.map((i) => i.id)).toEqual([6, 5, 4, 3].map(idOf));
    expect(first.nextCursor).not.toBeNull();
    expect(rest).toMatchObject({ items: [{ id: idOf(2) }, { id: idOf(1) }], nextCursor: null });
  });
});

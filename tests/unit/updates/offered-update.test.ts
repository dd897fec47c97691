import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { ConflictError, PreconditionFailedError } from '../../../lib/errors.js';
import { corsRulesFor } from '../../../lib/provisioning/cors.js';
import { type ByobRecord, toView } from '../../../lib/provisioning/record.js';
import type { UpdateDeps } from '../../../lib/updates/direct-update.js';
import { patchByob } from '../../../lib/updates/patch.js';
import { upgradeByob } from '../../../lib/updates/update.js';
import { fakeDeps, localEnv, REGION, T0 } from '../../support/fakes.js';
import { idleCallback, quickCreateRecord, REQUEST_ID, STACK_NAME } from '../../support/records.js';

// PATCH and upgrade of a quick-create request: its stack runs in the customer's account, so the update
// is offered to them (lib/updates/offered-update.ts): the template stored, the offer on the record, the
// request still READY. No CloudFormation call is made in the vendor's account.

const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
beforeEach(() => {
  s3Mock.on(PutObjectCommand).resolves({});
});
afterEach(() => {
  cfnMock.reset();
  s3Mock.reset();
});

const LATEST = '2027-01-05.1';
const CUSTOMER_STACK = `arn:aws:cloudformation:${REGION}:111111111111:stack/${STACK_NAME}/0b6e1f10-1c3b-11f0-9a0f-0a1b2c3d4e5f`;
const ORIGINS = ['https://app.example.com'];
const NEW_ORIGINS = ['https://app.example.com', 'https://new.example.com'];

/** A READY quick-create request bound to the customer's stack, at `templateVersion`, with the update's fakes (latest: {@link LATEST}). */
const seeded = (over: Partial<ByobRecord> = {}) => {
  const f = fakeDeps({ config: parseConfig(localEnv({ TEMPLATE_VERSION: LATEST })) });
  const deps: UpdateDeps = { ...f.deps, vendorS3: () => new S3Client({ region: REGION }) };
  const read = f.store.seed(
    quickCreateRecord({
      status: 'READY',
      corsRules: corsRulesFor({ allowedOrigins: ORIGINS }),
      callback: idleCallback(),
      tags: { team: 'ml' },
      launch: { mode: 'quick-create', roleArn: null, stackName: STACK_NAME, stackId: CUSTOMER_STACK, stackStatus: 'CREATE_IN_PROGRESS' },
      templateVersion: LATEST,
      dueAt: null,
      ...over,
    }),
  );
  const current = () => f.store.current('acme', REQUEST_ID);
  const puts = () => s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
  const template = (n = 0) => JSON.parse(String(puts()[n]!.Body)) as { Parameters: Record<string, unknown>; Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  return { ...f, deps, read, current, puts, template };
};

describe('PATCH of a quick-create request', () => {
  it('offers the update: the template stored under a key of its own, the offer on the record, still READY, no webhook, no CloudFormation call', async () => {
    const { deps, read, current, puts, template, store } = seeded();

    const { record, changed } = await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS } });

    expect(changed).toBe(true);
    const offer = record.pendingUpdate!;
    expect(offer).toEqual({
      id: expect.stringMatching(/^upd-/),
      kind: 'patch',
      toVersion: LATEST,
      target: { corsRules: corsRulesFor({ allowedOrigins: NEW_ORIGINS }), tags: { team: 'ml' }, accessRole: false },
      templateKey: puts()[0]!.Key,
      templateUrl: `https://${read.templateBucket}.s3.${REGION}.amazonaws.com/${puts()[0]!.Key}`,
      offeredAt: T0.toISOString(),
    });
    expect(offer.templateKey).not.toBe(read.templateKey);
    // The record keeps what the customer's stack runs until the stack says it changed.
    expect(record).toMatchObject({ status: 'READY', version: read.version + 1, corsRules: read.corsRules, templateKey: read.templateKey, templateVersion: LATEST });
    expect(current()).toEqual(record);
    expect(store.commits).toEqual([]);
    expect(store.outbox.size).toBe(0);
    expect(cfnMock.calls()).toEqual([]);
  });

  it('renders a template whose registration resources name the update and its version, and whose token parameter keeps its previous value', async () => {
    const { deps, template } = seeded();

    const { record } = await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS } });

    const t = template();
    for (const id of ['ByobStarted', 'ByobReady']) {
      expect(t.Resources[id]!.Properties).toMatchObject({ UpdateId: record.pendingUpdate!.id, TemplateVersion: LATEST, Token: { Ref: 'RegistrationToken' } });
    }
    // UsePreviousValue needs nothing of the template; a Default would let an update drop the token.
    expect(Object.keys(t.Parameters)).toEqual(['RegistrationToken']);
    expect(t.Parameters.RegistrationToken).not.toHaveProperty('Default');
    expect(t.Resources.ByobBucket!.Properties.CorsConfiguration).toEqual({ CorsRules: [expect.objectContaining({ AllowedOrigins: NEW_ORIGINS })] });
  });

  it('is shown with updateAvailable and the links to apply it', async () => {
    const { deps } = seeded();

    const { record } = await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS } });
    const view = toView(record, { latestTemplateVersion: LATEST });

    expect(view.updateAvailable).toBe(true);
    expect(view.pendingUpdate).toMatchObject({
      id: record.pendingUpdate!.id,
      toVersion: LATEST,
      templateUrl: record.pendingUpdate!.templateUrl,
      consoleUrl: `https://console.aws.amazon.com/cloudformation/home?region=${REGION}#/stacks/update/template?stackId=${encodeURIComponent(CUSTOMER_STACK)}&templateURL=${encodeURIComponent(record.pendingUpdate!.templateUrl)}`,
      stackUrl: `https://console.aws.amazon.com/cloudformation/home?region=${REGION}#/stacks/stackinfo?stackId=${encodeURIComponent(CUSTOMER_STACK)}`,
      instructions: expect.stringMatching(/does not document/),
    });
  });

  it('a second patch builds on the offered fields and replaces the offer', async () => {
    const { deps, puts } = seeded();
    const first = await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS } });

    const second = await patchByob(deps, 'acme', REQUEST_ID, { tags: { env: 'prod' } });

    expect(second.record.pendingUpdate).toMatchObject({
      target: { corsRules: corsRulesFor({ allowedOrigins: NEW_ORIGINS }), tags: { team: 'ml', env: 'prod' } },
    });
    expect(second.record.pendingUpdate!.id).not.toBe(first.record.pendingUpdate!.id);
    expect(puts()).toHaveLength(2);
  });

  it('asking for what the offer already says changes nothing; asking for what the stack runs withdraws the offer', async () => {
    const { deps, puts } = seeded();
    const { record: offered } = await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS } });

    expect(await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS } })).toEqual({ record: offered, changed: false });
    const withdrawn = await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: ORIGINS } });

    expect(withdrawn).toMatchObject({ changed: true, record: { pendingUpdate: null } });
    expect(toView(withdrawn.record, { latestTemplateVersion: LATEST }).updateAvailable).toBe(false);
    expect(puts()).toHaveLength(1);
  });

  it('a callbackUrl changed with the template is written with the offer', async () => {
    const { deps } = seeded();

    const { record } = await patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS }, callbackUrl: 'https://portal.example.com/hooks/v2' });

    expect(record).toMatchObject({ callback: { url: 'https://portal.example.com/hooks/v2' }, pendingUpdate: { kind: 'patch' } });
  });

  it('while the customer\'s stack applies an update (UPDATING): 409; a stale If-Match: 412; nothing stored', async () => {
    const { deps, puts } = seeded({ status: 'UPDATING' });
    await expect(patchByob(deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS } })).rejects.toBeInstanceOf(ConflictError);

    const ready = seeded();
    await expect(patchByob(ready.deps, 'acme', REQUEST_ID, { cors: { allowedOrigins: NEW_ORIGINS } }, (v) => v === ready.read.version - 1)).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(puts()).toEqual([]);
  });
});

describe('upgrade of a quick-create request', () => {
  it('on an older template version: offers the same request at the latest one', async () => {
    const { deps } = seeded({ templateVersion: '2026-11-24.1' });

    const { record } = await upgradeByob(deps, 'acme', REQUEST_ID);

    expect(record).toMatchObject({
      status: 'READY',
      templateVersion: '2026-11-24.1',
      pendingUpdate: { kind: 'upgrade', toVersion: LATEST, target: { corsRules: corsRulesFor({ allowedOrigins: ORIGINS }), tags: { team: 'ml' } } },
    });
  });

  it('keeps an offer at the latest version that says the same, so a link the customer may be following stays good', async () => {
    const { deps, puts } = seeded({ templateVersion: '2026-11-24.1' });
    const { record: first } = await upgradeByob(deps, 'acme', REQUEST_ID);

    const again = await upgradeByob(deps, 'acme', REQUEST_ID);

    expect(again).toEqual({ record: first, changed: false });
    expect(puts()).toHaveLength(1);
  });

  it('on the latest version with nothing offered: nothing to apply, nothing stored', async () => {
    const { deps, read, puts } = seeded();

    expect(await upgradeByob(deps, 'acme', REQUEST_ID)).toEqual({ record: read, changed: false });
    expect(puts()).toEqual([]);
  });
});

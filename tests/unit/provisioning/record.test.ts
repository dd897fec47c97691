import { describe, expect, it } from 'vitest';
import { registrationToken, withoutToken } from '../../../lib/quick-create/link.js';
import { toView, withLinkToken } from '../../../lib/provisioning/record.js';
import { ByobView } from '../../../lib/provisioning/view.js';
import { LINK_KEY } from '../../support/fakes.js';
import { directRecord, idleCallback, quickCreateRecord, RECORD_OUTPUTS, readyRecord, REQUEST_ID } from '../../support/records.js';

const STORED_LINK = quickCreateRecord().quickCreate!.url;
const TOKEN_OF_REQUEST = encodeURIComponent(registrationToken(LINK_KEY, REQUEST_ID));

describe('toView', () => {
  it('shows the public fields only: no tenant, version, token hash, lock, schedule or template location', () => {
    const view = toView(readyRecord({ callback: idleCallback() }));

    expect(Object.keys(view).sort()).toEqual(
      ['adopted', 'bucketName', 'callback', 'createdAt', 'drift', 'encryption', 'failure', 'id', 'launch', 'onboardingUrl', 'outputs', 'quickCreateExpiresAt', 'quickCreateUrl', 'region', 'scope', 'status', 'tags', 'team', 'updatedAt', 'verification'].sort(),
    );
    expect(JSON.stringify(toView(quickCreateRecord()))).not.toContain(quickCreateRecord().quickCreate!.tokenHash);
    expect(ByobView.safeParse(view).success).toBe(true);
  });

  it('carries the record values across', () => {
    const record = readyRecord({ tags: { team: 'ml' }, callback: idleCallback() });

    const view = toView(record);

    expect(view).toMatchObject({ id: REQUEST_ID, status: 'READY', scope: 'team', team: 'omega', region: record.region, bucketName: record.bucketName, outputs: RECORD_OUTPUTS, tags: { team: 'ml' }, callback: idleCallback() });
    expect(view.launch).toEqual({ mode: 'direct', roleArn: null, stackName: record.launch.stackName, stackId: record.launch.stackId, stackStatus: 'CREATE_COMPLETE' });
  });

  it('names the customer key only when there is one', () => {
    const kmsKeyArn = 'arn:aws:kms:eu-central-1:111111111111:key/0d5f4f5e-1c3b-4c55-9a0f-1234567890ab';

    expect(toView(directRecord({ encryption: { type: 'sse-kms', kmsKeyArn } })).encryption).toEqual({ type: 'sse-kms', kmsKeyArn });
    expect(toView(directRecord({ encryption: { type: 'sse-kms' } })).encryption).toEqual({ type: 'sse-kms' });
    expect(toView(directRecord({ encryption: { type: 'sse-s3' } })).encryption).toEqual({ type: 'sse-s3' });
  });

  it('shows the stored link without its token when no link key is given (webhooks, idempotency store)', () => {
    const view = toView(quickCreateRecord());

    expect(view.quickCreateUrl).toBe(STORED_LINK);
    expect(view.quickCreateExpiresAt).toBe(quickCreateRecord().quickCreate!.expiresAt);
  });

  it("derives the link's registration token with the link key (authenticated reads)", () => {
    const view = toView(quickCreateRecord(), LINK_KEY);

    expect(view.quickCreateUrl).toBe(`${STORED_LINK}&param_RegistrationToken=${TOKEN_OF_REQUEST}`);
    expect(withoutToken(view.quickCreateUrl!)).toBe(STORED_LINK);
  });

  it('shows no link for a direct request, whatever the key', () => {
    expect(toView(directRecord(), LINK_KEY)).toMatchObject({ quickCreateUrl: null, quickCreateExpiresAt: null });
  });
});

describe('withLinkToken', () => {
  it("adds the request's token to a view built without the key", () => {
    expect(withLinkToken(toView(quickCreateRecord()), LINK_KEY).quickCreateUrl).toBe(toView(quickCreateRecord(), LINK_KEY).quickCreateUrl);
  });

  it('never adds a second token to a link that has one', () => {
    const withToken = toView(quickCreateRecord(), LINK_KEY);

    expect(withLinkToken(withToken, LINK_KEY)).toBe(withToken);
  });

  it('leaves the view as it is without a key or without a link', () => {
    const stored = toView(quickCreateRecord());
    const direct = toView(directRecord());

    expect(withLinkToken(stored, null)).toBe(stored);
    expect(withLinkToken(direct, LINK_KEY)).toBe(direct);
  });
});

import { describe, expect, it } from 'vitest';
import { registrationToken, withoutToken } from '../../../lib/quick-create/link.js';
import { toView, UNRECORDED_TEMPLATE_VERSION, withLinkToken } from '../../../lib/provisioning/record.js';
import { ByobView } from '../../../lib/provisioning/view.js';
import { LINK_KEY, VIEW } from '../../support/fakes.js';
import { directRecord, idleCallback, quickCreateRecord, RECORD_OUTPUTS, readyRecord, REQUEST_ID } from '../../support/records.js';

const STORED_LINK = quickCreateRecord().quickCreate!.url;
const TOKEN_OF_REQUEST = encodeURIComponent(registrationToken(LINK_KEY, REQUEST_ID));

describe('toView', () => {
  it('shows the public fields only: no tenant, version, token hash, lock, schedule or template location', () => {
    const view = toView(readyRecord({ callback: idleCallback() }), VIEW);

    expect(Object.keys(view).sort()).toEqual(
      ['adopted', 'bucketName', 'callback', 'createdAt', 'drift', 'encryption', 'failure', 'id', 'launch', 'onboardingUrl', 'outputs', 'quickCreateExpiresAt', 'quickCreateUrl', 'region', 'scope', 'status', 'tags', 'team', 'updatedAt', 'verification', 'templateVersion', 'latestTemplateVersion', 'updateAvailable', 'lastUpdate', 'pendingUpdate'].sort(),
    );
    expect(JSON.stringify(toView(quickCreateRecord(), VIEW))).not.toContain(quickCreateRecord().quickCreate!.tokenHash);
    expect(ByobView.safeParse(view).success).toBe(true);
  });

  it('shows the template version its stack runs, the latest one and whether an update is available', () => {
    const at = (over: Parameters<typeof readyRecord>[0], latest: string) => toView(readyRecord(over), { latestTemplateVersion: latest });

    expect(at({ templateVersion: '2027-01-10.1' }, '2027-01-10.1')).toMatchObject({ templateVersion: '2027-01-10.1', latestTemplateVersion: '2027-01-10.1', updateAvailable: false, lastUpdate: null });
    expect(at({ templateVersion: '2027-01-10.1' }, '2027-02-01.1')).toMatchObject({ templateVersion: '2027-01-10.1', updateAvailable: true });
    // Records written before versions were recorded run the version every stack was rendered at until then.
    expect(at({ templateVersion: undefined }, '2027-02-01.1')).toMatchObject({ templateVersion: UNRECORDED_TEMPLATE_VERSION, updateAvailable: true });
    expect(UNRECORDED_TEMPLATE_VERSION).toBe('2026-11-24.1');
    // Nothing left to update: a failed or deleted request.
    expect(at({ status: 'DELETED' }, '2027-02-01.1').updateAvailable).toBe(false);
    expect(at({ status: 'FAILED' }, '2027-02-01.1').updateAvailable).toBe(false);
  });

  it('shows how the last update ended', () => {
    const lastUpdate = { status: 'failed' as const, reason: 'Bucket policy refused', resource: 'ByobBucketPolicy', fromVersion: 'a', toVersion: 'b', at: '2026-11-24T10:00:00.000Z' };
    const view = toView(readyRecord({ lastUpdate }), VIEW);

    expect(view.lastUpdate).toEqual(lastUpdate);
    expect(ByobView.safeParse(view).success).toBe(true);
  });

  it('carries the record values across', () => {
    const record = readyRecord({ tags: { team: 'ml' }, callback: idleCallback() });

    const view = toView(record, VIEW);

    expect(view).toMatchObject({ id: REQUEST_ID, status: 'READY', scope: 'team', team: 'omega', region: record.region, bucketName: record.bucketName, outputs: RECORD_OUTPUTS, tags: { team: 'ml' }, callback: idleCallback() });
    expect(view.launch).toEqual({ mode: 'direct', roleArn: null, stackName: record.launch.stackName, stackId: record.launch.stackId, stackStatus: 'CREATE_COMPLETE' });
  });

  it('names the customer key only when there is one', () => {
    const kmsKeyArn = 'arn:aws:kms:eu-central-1:111111111111:key/0d5f4f5e-1c3b-4c55-9a0f-1234567890ab';

    expect(toView(directRecord({ encryption: { type: 'sse-kms', kmsKeyArn } }), VIEW).encryption).toEqual({ type: 'sse-kms', kmsKeyArn });
    expect(toView(directRecord({ encryption: { type: 'sse-kms' } }), VIEW).encryption).toEqual({ type: 'sse-kms' });
    expect(toView(directRecord({ encryption: { type: 'sse-s3' } }), VIEW).encryption).toEqual({ type: 'sse-s3' });
  });

  it('shows the stored link without its token when no link key is given (webhooks, idempotency store)', () => {
    const view = toView(quickCreateRecord(), VIEW);

    expect(view.quickCreateUrl).toBe(STORED_LINK);
    expect(view.quickCreateExpiresAt).toBe(quickCreateRecord().quickCreate!.expiresAt);
  });

  it("derives the link's registration token with the link key (authenticated reads)", () => {
    const view = toView(quickCreateRecord(), { ...VIEW, linkKey: LINK_KEY });

    expect(view.quickCreateUrl).toBe(`${STORED_LINK}&param_RegistrationToken=${TOKEN_OF_REQUEST}`);
    expect(withoutToken(view.quickCreateUrl!)).toBe(STORED_LINK);
  });

  it('shows no link for a direct request, whatever the key', () => {
    expect(toView(directRecord(), { ...VIEW, linkKey: LINK_KEY })).toMatchObject({ quickCreateUrl: null, quickCreateExpiresAt: null });
  });
});

describe('withLinkToken', () => {
  it("adds the request's token to a view built without the key", () => {
    expect(withLinkToken(toView(quickCreateRecord(), VIEW), LINK_KEY).quickCreateUrl).toBe(toView(quickCreateRecord(), { ...VIEW, linkKey: LINK_KEY }).quickCreateUrl);
  });

  it('never adds a second token to a link that has one', () => {
    const withToken = toView(quickCreateRecord(), { ...VIEW, linkKey: LINK_KEY });

    expect(withLinkToken(withToken, LINK_KEY)).toBe(withToken);
  });

  it('leaves the view as it is without a key or without a link', () => {
    const stored = toView(quickCreateRecord(), VIEW);
    const direct = toView(directRecord(), VIEW);

    expect(withLinkToken(stored, null)).toBe(stored);
    expect(withLinkToken(direct, LINK_KEY)).toBe(direct);
  });
});

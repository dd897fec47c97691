import { describe, expect, it } from 'vitest';
import { timelineOf, toOnboardingView } from '../../../lib/onboarding/projection.js';
import { OnboardingView } from '../../../lib/onboarding/view.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { registrationToken } from '../../../lib/quick-create/link.js';
import { LINK_KEY } from '../../support/fakes.js';
import { quickCreateRecord, REQUEST_ID } from '../../support/records.js';
import { onboardingConfig, launchedRecord } from './support.js';

const config = onboardingConfig();
const REGISTRATION_TOKEN = registrationToken(LINK_KEY, REQUEST_ID);
const steps = (r: ByobRecord) => timelineOf(r).map((s) => `${s.status}:${s.state}`);

/** Internals a customer must never see, planted in every field that holds one. */
const planted = (r: ByobRecord): ByobRecord => ({
  ...r,
  tenant: 'tenant-internal-name',
  templateKey: 'templates/secret-template-key.json',
  templateBucket: 'vendor-internal-bucket',
  activeKey: 'team#internal-lock',
  quickCreate: r.quickCreate && { ...r.quickCreate, tokenHash: 'f'.repeat(64) },
  callback: { url: 'https://portal.example.com/hooks/secret-path', status: 'failed', attempts: 3, lastAttemptAt: null, lastError: 'connect ECONNREFUSED 10.0.0.7', nextAttemptAt: null },
});

describe('toOnboardingView', () => {
  it('has exactly the documented fields', () => {
    for (const r of [quickCreateRecord(), launchedRecord()]) {
      const view = toOnboardingView(r, config);
      expect(OnboardingView.parse(view)).toEqual(view);
    }
  });

  it('shows no tenant, table, lock, webhook or token-hash internals, and the registration token only inside the Launch Stack link', () => {
    for (const r of [quickCreateRecord(), launchedRecord(), quickCreateRecord({ status: 'EXPIRED' })].map(planted)) {
      const text = JSON.stringify(toOnboardingView(r, config));
      for (const secret of ['tenant-internal-name', 'secret-template-key', 'vendor-internal-bucket', 'internal-lock', 'f'.repeat(64), 'secret-path', 'ECONNREFUSED', 'whsec_', 'externalId', 'portal.example.com']) {
        expect(text, `${r.status}: ${secret}`).not.toContain(secret);
      }
      const view = toOnboardingView(r, config);
      const { launch, ...rest } = view;
      expect(JSON.stringify(rest)).not.toContain(encodeURIComponent(REGISTRATION_TOKEN));
      expect(JSON.stringify(rest)).not.toContain(REGISTRATION_TOKEN);
      expect(launch.url === null || launch.url.endsWith(`param_RegistrationToken=${encodeURIComponent(REGISTRATION_TOKEN)}`)).toBe(true);
    }
  });

  it('offers the Launch Stack link only while the request waits for the customer, and asks for CAPABILITY_IAM only with a role', () => {
    const waiting = toOnboardingView(quickCreateRecord(), config);
    expect(waiting.launch).toMatchObject({ mode: 'quick-create', url: expect.stringMatching(/^https:\/\/eu-central-1\.console\.aws\.amazon\.com\//), capabilities: [] });
    expect(toOnboardingView(quickCreateRecord({ accessRole: true }), config).launch.capabilities).toEqual(['CAPABILITY_IAM']);
    for (const status of ['CREATING', 'READY', 'EXPIRED', 'FAILED'] as const) expect(toOnboardingView(quickCreateRecord({ status }), config).launch.url, status).toBeNull();
    expect(toOnboardingView(quickCreateRecord(), onboardingConfig({ QUICK_CREATE_LINK_KEY: '' })).launch.url).toBeNull();
  });

  it('says who gets which access, with the exact actions, and what is retained', () => {
    const view = toOnboardingView(launchedRecord(), config);
    expect(view.access.map((a) => a.summary)).toEqual([
      expect.stringMatching(/^Example Vendor \(AWS account \d{12}\) may read, write, list and delete objects/),
      expect.stringMatching(/may use the new key to encrypt and decrypt/),
      expect.stringMatching(/^An IAM role in your account/),
      expect.stringMatching(/^Nobody else/),
    ]);
    expect(view.access[0]!.actions).toContain('s3:PutObject');
    expect(view.retention).toMatch(/bucket and the key stay in your account/);
    expect(toOnboardingView(quickCreateRecord({ encryption: { type: 'sse-s3' } }), config).access).toHaveLength(2);
    expect(toOnboardingView(quickCreateRecord({ encryption: { type: 'sse-s3' } }), config).retention).toMatch(/the bucket stays/);
  });

  it('lists the checks with their remediation, the outputs that exist, and the failure', () => {
    const view = toOnboardingView(launchedRecord(), config);
    expect(view.verification!.checks).toEqual([
      { id: 'versioning', label: 'Versioning', status: 'passed', detail: 'Enabled', remediation: null, commands: [] },
      { id: 'cors', label: 'CORS', status: 'warning', detail: 'MaxAgeSeconds is 600', remediation: 'Set MaxAgeSeconds to 3600.', commands: [] },
    ]);
    expect(view.outputs.map((o) => o.name)).toEqual(['bucketName', 'bucketArn', 'kmsKeyArn', 'roleArn', 'region', 'accountId']);
    expect(toOnboardingView(launchedRecord({ outputs: { ...launchedRecord().outputs!, kmsKeyArn: null, roleArn: null } }), config).outputs).toHaveLength(4);
    expect(toOnboardingView(quickCreateRecord({ status: 'FAILED', failure: { code: 'x', message: 'The bucket name is taken.', resource: null } }), config).failure).toBe('The bucket name is taken.');
  });

  it('carries CLI commands when a check result has them (strings, or objects with a command)', () => {
    const check = { id: 'versioning', status: 'failed', detail: 'Suspended', remediation: 'Enable versioning.', commands: ['aws s3api put-bucket-versioning', { command: 'aws s3api get-bucket-versioning' }, { other: 1 }, 7] };
    const r = launchedRecord({ status: 'FAILED', verification: { status: 'failed', checkedAt: launchedRecord().verification!.checkedAt, checks: [check as never] } });
    expect(toOnboardingView(r, config).verification!.checks[0]!.commands).toEqual(['aws s3api put-bucket-versioning', 'aws s3api get-bucket-versioning']);
  });

  it('settles (the page stops polling) once nothing changes without someone acting', () => {
    expect(toOnboardingView(quickCreateRecord(), config).settled).toBe(false);
    expect(toOnboardingView(launchedRecord(), config).settled).toBe(true);
    expect(toOnboardingView(quickCreateRecord({ status: 'EXPIRED' }), config).settled).toBe(true);
  });
});

describe('timelineOf', () => {
  it('walks the quick-create path: done, current, upcoming', () => {
    expect(steps(quickCreateRecord())).toEqual(['PENDING:done', 'AWAITING_CUSTOMER:current', 'CREATING:upcoming', 'VERIFYING:upcoming', 'READY:upcoming']);
    expect(steps(launchedRecord())).toEqual(['PENDING:done', 'AWAITING_CUSTOMER:done', 'CREATING:done', 'VERIFYING:done', 'READY:current']);
  });

  it('walks the direct path without the customer\'s step', () => {
    const direct = quickCreateRecord({ status: 'CREATING', launch: { ...quickCreateRecord().launch, mode: 'direct' }, quickCreate: null });
    expect(steps(direct)).toEqual(['PENDING:done', 'CREATING:current', 'VERIFYING:upcoming', 'READY:upcoming']);
  });

  it('ends off the path where the request stopped, after what is known to have happened', () => {
    expect(steps(quickCreateRecord({ status: 'EXPIRED' }))).toEqual(['PENDING:done', 'AWAITING_CUSTOMER:done', 'EXPIRED:failed']);
    const rolledBack = quickCreateRecord({ status: 'FAILED', launch: { ...quickCreateRecord().launch, stackId: 'arn:aws:cloudformation:eu-central-1:111111111111:stack/x/1' } });
    expect(steps(rolledBack)).toEqual(['PENDING:done', 'AWAITING_CUSTOMER:done', 'CREATING:done', 'FAILED:failed']);
    expect(steps(launchedRecord({ status: 'DELETED' }))).toEqual(['PENDING:done', 'AWAITING_CUSTOMER:done', 'CREATING:done', 'VERIFYING:done', 'DELETED:current']);
  });
});

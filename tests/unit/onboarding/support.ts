/** The onboarding tests' configuration, records and store. */
import { type Config, parseConfig } from '../../../lib/config.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { localEnv, T0 } from '../../support/fakes.js';
import { MemoryStore } from '../../support/memory-store.js';
import { quickCreateRecord } from '../../support/records.js';
import { CUSTOMER } from '../quick-create/support.js';

/** The secret onboarding links are signed with, in these tests. */
export const ONBOARDING_KEY = 'unit-test-onboarding-key-'.padEnd(48, 'o');
export const BASE_URL = 'https://byob.example.com/api';

/** The local configuration with the onboarding page on; override any variable. */
export const onboardingConfig = (over: Record<string, string> = {}): Config =>
  parseConfig(localEnv({ ONBOARDING_LINK_KEY: ONBOARDING_KEY, PUBLIC_BASE_URL: BASE_URL, ...over }));

/** A quick-create request after the customer's launch: READY, with a role, outputs and checks (one a warning), its webhook delivered. */
export const launchedRecord = (over: Partial<ByobRecord> = {}): ByobRecord => {
  const base = quickCreateRecord();
  return quickCreateRecord({
    status: 'READY',
    accessRole: true,
    launch: { ...base.launch, stackId: `arn:aws:cloudformation:eu-central-1:${CUSTOMER}:stack/${base.launch.stackName}/1`, stackStatus: 'CREATE_COMPLETE' },
    quickCreate: { ...base.quickCreate!, boundAccountId: CUSTOMER },
    outputs: {
      bucketName: base.bucketName,
      bucketArn: `arn:aws:s3:::${base.bucketName}`,
      kmsKeyArn: `arn:aws:kms:eu-central-1:${CUSTOMER}:key/0f3c8a52-2b1e-4d7a-9c51-3e4f5a6b7c8d`,
      region: 'eu-central-1',
      roleArn: `arn:aws:iam::${CUSTOMER}:role/byob-access`,
      accountId: CUSTOMER,
    },
    verification: {
      status: 'passed',
      checkedAt: new Date(T0.getTime() + 60_000).toISOString(),
      checks: [
        { id: 'versioning', status: 'passed', detail: 'Enabled' },
        { id: 'cors', status: 'warning', detail: 'MaxAgeSeconds is 600', remediation: 'Set MaxAgeSeconds to 3600.' },
      ],
    },
    callback: { url: 'https://portal.example.com/hooks/byob', status: 'delivered', attempts: 1, lastAttemptAt: T0.toISOString(), lastError: null, nextAttemptAt: null },
    dueAt: null,
    ...over,
  });
};

/** A memory store holding `records`. */
export const storeWith = (...records: ByobRecord[]): MemoryStore => {
  const store = new MemoryStore();
  for (const r of records) store.seed(r);
  return store;
};

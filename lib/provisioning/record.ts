import type { CorsRule } from '../../templates/spec.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { onboardingLinkSettings, onboardingPageUrl } from '../onboarding/link.js';
import { withoutToken, withToken } from '../quick-create/link.js';
import type { ByobView } from './request.js';
import type { Status } from './state-machine.js';

/** Result of a verification run, as stored on the record. */
export interface StoredVerification {
  status: 'passed' | 'failed' | 'warning';
  checkedAt: string;
  checks: Array<{ id: string; status: 'passed' | 'failed' | 'warning'; detail: string; remediation?: string }>;
}

/** Why a request failed. */
export interface Failure {
  code: string;
  message: string;
  resource: string | null;
}

/** Stack outputs, as reported by CloudFormation or the registration custom resource. */
export interface Outputs {
  bucketName: string;
  bucketArn: string;
  kmsKeyArn: string | null;
  region: string;
  roleArn: string | null;
  accountId: string | null;
}

/** Delivery state of the request's webhooks. */
export interface CallbackState {
  url: string;
  status: 'idle' | 'pending' | 'delivered' | 'failed' | 'gone';
  attempts: number;
  lastAttemptAt: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
}

/** A BYOB request as stored (the table item minus its keys). */
export interface ByobRecord {
  tenant: string;
  id: string;
  status: Status;
  version: number;
  scope: 'team' | 'instance';
  team: string | null;
  region: string;
  bucketName: string;
  encryption: { type: 'sse-kms' | 'sse-s3'; kmsKeyArn?: string };
  corsRules: CorsRule[];
  accessRole: boolean;
  launch: {
    mode: 'direct' | 'quick-create';
    roleArn: string | null;
    stackName: string;
    stackId: string | null;
    stackStatus: string | null;
  };
  /** `url` is the link without its registration token (see lib/quick-create/link.ts registrationToken). */
  quickCreate: { url: string; expiresAt: string; tokenHash: string; boundAccountId: string | null } | null;
  templateKey: string;
  templateBucket: string;
  callback: CallbackState | null;
  tags: Record<string, string>;
  outputs: Outputs | null;
  verification: StoredVerification | null;
  failure: Failure | null;
  /** Bound into every onboarding page link; revoking the links moves it on. Absent (0) on records older than the page. */
  onboardingEpoch?: number;
  /** The active-request lock this record holds (tenant+scope+team), if any. */
  activeKey: string;
  /** When the reconciler should look at this record again; null when nothing is pending. */
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * The capability links an authenticated answer carries. Both are derived on every read from keys held
 * outside the table and never stored: the table, webhooks and the idempotency store hold neither.
 */
export interface ViewLinks {
  /** Key of the quick-create registration tokens (lib/quick-create/link.ts); null when quick-create is off. */
  quickCreateLinkKey: string | null;
  /** The request's onboarding page link at its link epoch; null when the page is off. */
  onboardingUrl(requestId: string, epoch: number): string | null;
}

/** The links of the deployment's configuration, issued at the clock's time. */
export const viewLinks = (d: { config: Config; clock: Clock }): ViewLinks => {
  const onboarding = onboardingLinkSettings(d.config);
  return {
    quickCreateLinkKey: d.config.quickCreateLinkKey,
    onboardingUrl: (requestId, epoch) => (onboarding ? onboardingPageUrl(onboarding, requestId, epoch, d.clock()) : null),
  };
};

/**
 * The public view: what GET /byob/{id} and webhooks show (no token hash, no tenant internals). With the
 * links (authenticated API answers) it carries the usable quick-create link and the onboarding page link;
 * without them (webhooks, the idempotency store) the quick-create link is shown without its token and
 * there is no page link.
 */
export const toView = (r: ByobRecord, links: ViewLinks | null = null): ByobView => ({
  id: r.id,
  status: r.status,
  scope: r.scope,
  team: r.team,
  region: r.region,
  bucketName: r.bucketName,
  encryption: r.encryption.kmsKeyArn ? { type: r.encryption.type, kmsKeyArn: r.encryption.kmsKeyArn } : { type: r.encryption.type },
  launch: {
    mode: r.launch.mode,
    roleArn: r.launch.roleArn,
    stackName: r.launch.stackName,
    stackId: r.launch.stackId,
    stackStatus: r.launch.stackStatus,
  },
  quickCreateUrl: r.quickCreate ? (links?.quickCreateLinkKey ? withToken(r.quickCreate.url, links.quickCreateLinkKey, r.id) : r.quickCreate.url) : null,
  quickCreateExpiresAt: r.quickCreate?.expiresAt ?? null,
  onboardingUrl: links?.onboardingUrl(r.id, r.onboardingEpoch ?? 0) ?? null,
  outputs: r.outputs,
  verification: r.verification,
  failure: r.failure,
  callback: r.callback,
  tags: r.tags,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/** A view built without links (e.g. replayed from the idempotency store) with its links added; `epoch` is the record's onboarding epoch. */
export const withLinks = (view: ByobView, links: ViewLinks, epoch: number): ByobView => ({
  ...view,
  quickCreateUrl:
    view.quickCreateUrl && links.quickCreateLinkKey && withoutToken(view.quickCreateUrl) === view.quickCreateUrl
      ? withToken(view.quickCreateUrl, links.quickCreateLinkKey, view.id)
      : view.quickCreateUrl,
  onboardingUrl: links.onboardingUrl(view.id, epoch),
});

import type { CorsRule } from '../../templates/spec.js';
import { withoutToken, withToken } from '../quick-create/link.js';
import { updateLinksOf } from '../quick-create/update-links.js';
import type { DriftSummary } from './drift.js';
import type { ByobView } from './view.js';
import type { Status } from './state-machine.js';

/** Result of a verification run, as stored on the record. */
export interface StoredVerification {
  status: 'passed' | 'failed' | 'warning';
  checkedAt: string;
  checks: Array<{ id: string; status: 'passed' | 'failed' | 'warning'; detail: string; remediation?: string; commands?: string[] }>;
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

/** A bucket (and its key) that an earlier request of the tenant retained, adopted by a later one instead of created. */
export interface Adoption {
  bucketName: string;
  /** The retained bucket's KMS key; null for an SSE-S3 bucket. */
  kmsKeyArn: string | null;
  /** The DELETED request whose stack made the bucket. */
  fromRequestId: string;
}

/**
 * The request fields a PATCH cannot carry to an adopted bucket. Their template properties live on the
 * bucket and key resources, which an adopting stack does not have: a change set would change nothing.
 * A PATCH naming one of them on an adopted request is refused (409) naming the field; the customer
 * changes the bucket's CORS or tags directly (the `cors` check's commands show how). `accessRole` and
 * `callbackUrl` are unaffected: the role is the stack's own, the callback only the record's.
 */
export const FIELDS_NOT_MANAGED_WHEN_ADOPTED = ['cors', 'tags'] as const;

/** One resource change of a change set, as the API reports it. */
export interface ResourceChange {
  action: string;
  logicalId: string;
  resourceType: string;
  /** Whether the change replaces the resource (CloudFormation's True | False | Conditional); null for Add and Remove. */
  replacement: 'True' | 'False' | 'Conditional' | null;
}

/** The request fields an update changes in the stack's template. */
export interface TemplateFields {
  corsRules: CorsRule[];
  tags: Record<string, string>;
  accessRole: boolean;
}

/**
 * An update of the stack offered to the customer (quick-create: the stack runs in their account, so
 * they apply it). The record stays where it is, READY or DEGRADED, until their stack reports it.
 */
export interface OfferedUpdate {
  /** `upd-<ULID>`: the template's registration resources carry it as `UpdateId`. */
  id: string;
  kind: 'patch' | 'upgrade';
  toVersion: string;
  target: TemplateFields;
  /** The re-rendered template, stored under a key of its own (the stack's current one stays until the update is applied). */
  templateKey: string;
  /** Where the customer's CloudFormation reads it (the templates bucket's public `templates/` prefix). */
  templateUrl: string;
  offeredAt: string;
}

/**
 * An update of the request's stack in flight: it holds the record in UPDATING from the write that
 * started it (the update's lock) until the record takes its outcome.
 */
export interface InFlightUpdate {
  /** `upd-<ULID>`: the change set's ClientToken and ExecuteChangeSet's ClientRequestToken (direct), or the offered update's id (quick-create). */
  id: string;
  kind: 'patch' | 'upgrade';
  /** The change set of a direct update; null when the customer applies it in their own account (quick-create). */
  changeSetName: string | null;
  changeSetId: string | null;
  /** Where the record goes back to when the update does not happen. */
  fromStatus: 'READY' | 'DEGRADED';
  fromVersion: string;
  toVersion: string;
  target: TemplateFields;
  /** The re-rendered template, stored under a key of its own (the stack's current one stays until the update succeeds). */
  templateKey: string;
  startedAt: string;
  /** `proposed`: the change set was asked for and nothing decided yet; `executing`: ExecuteChangeSet was called, or is about to be. */
  phase: 'proposed' | 'executing';
  /** The change set's changes, once described. */
  changes: ResourceChange[] | null;
}

/**
 * What the record said before the customer's stack applied its last offered update (quick-create): the
 * stack may still roll that update back (a resource the customer added to the template failing after the
 * registration resources took it), and the record then goes back to this.
 */
export interface BeforeUpdate extends TemplateFields {
  templateVersion: string;
  templateKey: string;
  appliedUpdateId: string | null;
  /** The update as it was offered, offered again when it is rolled back. */
  offer: OfferedUpdate;
}

/** How the last update of the request ended. */
export type LastUpdate =
  | { status: 'succeeded'; fromVersion: string; toVersion: string; changes: ResourceChange[]; at: string }
  | { status: 'failed'; reason: string; resource: string | null; fromVersion: string; toVersion: string; at: string };

/**
 * The template version of records written before versions were recorded: every stack until then was
 * rendered at it. Never change it (unlike templates/version.ts TEMPLATE_VERSION, which moves on).
 */
export const UNRECORDED_TEMPLATE_VERSION = '2026-11-24.1';

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
  /** Moves on every write: the table's optimistic lock. */
  version: number;
  /**
   * Moves on a change of status or of what the caller can change (lib/provisioning/transition.ts, PATCH):
   * the ETag that If-Match names. Bookkeeping writes (webhook delivery state, schedules, drift polls)
   * leave it, so a portal's read-then-PATCH is not refused for a webhook delivered in between. Absent on
   * records written before it: their version stands in until their next status change.
   */
  revision?: number;
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
  /** What this request adopted instead of creating a bucket and key (lib/provisioning/adoption.ts); absent or null otherwise. */
  adopted?: Adoption | null;
  /** On a DELETED request: the later request that adopted its retained bucket, if any. */
  adoptedBy?: string | null;
  /** The active-request lock this record holds (tenant+scope+team), if any. */
  activeKey: string;
  /** When the reconciler should look at this record again; null when nothing is pending. */
  dueAt: string | null;
  /** Its place in the re-verification schedule (reverify-schedule.ts); absent until it first became READY. */
  scheduleSlot?: number | null;
  /** The last completed drift detection of its stack (direct mode only). */
  drift?: DriftSummary | null;
  /**
   * A drift detection started and not yet read back; `outdated` when a verification ran after it
   * started (its result may predate a fix, so it is run again rather than applied).
   */
  driftDetection?: { id: string; startedAt: string; outdated?: boolean } | null;
  /** The template version its stack runs; absent on records older than versions (see {@link templateVersionOf}). */
  templateVersion?: string;
  /** The update in flight (UPDATING, and VERIFYING after it), if any. */
  update?: InFlightUpdate | null;
  /** How the last update ended. */
  lastUpdate?: LastUpdate | null;
  /** The update offered to the customer and not applied yet (quick-create). */
  pendingUpdate?: OfferedUpdate | null;
  /** The offered update whose template the stack runs; absent while it runs the template it was created with (quick-create). */
  appliedUpdateId?: string | null;
  /** What the record said before `appliedUpdateId` was applied, for a rollback of it (quick-create). */
  beforeUpdate?: BeforeUpdate | null;
  /** The latest template version a `byob.update_available` webhook was raised for (one per version). */
  updateNotifiedVersion?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The template version the record's stack runs. */
export const templateVersionOf = (r: Pick<ByobRecord, 'templateVersion'>): string => r.templateVersion ?? UNRECORDED_TEMPLATE_VERSION;

// Nothing is left to update once the request failed, expired or is (being) deleted.
const WITHOUT_STACK_TO_UPDATE: ReadonlySet<Status> = new Set(['FAILED', 'EXPIRED', 'DELETING', 'DELETED']);

/** The request's revision (see ByobRecord.revision): what its ETag names. */
export const revisionOf = (r: Pick<ByobRecord, 'revision' | 'version'>): number => r.revision ?? r.version;

/** The onboarding page link of a request at a link epoch (lib/onboarding/link.ts onboardingLinker), or null when the page is off. */
export type OnboardingLinker = (requestId: string, epoch: number) => string | null;

/** What a view is built with besides the record. */
export interface ViewContext {
  /** The deployment's latest template version (config TEMPLATE_VERSION), which `updateAvailable` compares with. */
  latestTemplateVersion: string;
  /** The quick-create link key: with it the view carries the usable link. */
  linkKey?: string | null;
  /** The onboarding page links: with them the view carries the page link. */
  onboardingUrl?: OnboardingLinker | null;
}

/**
 * The public view: what GET /byob/{id} and webhooks show (no token hash, no tenant internals). With the
 * link key and the onboarding linker (authenticated API answers) it carries the usable quick-create link
 * and the onboarding page link, both derived here and never stored; without them (webhooks, the
 * idempotency store) the quick-create link is shown without its token and there is no page link.
 */
export const toView = (r: ByobRecord, { latestTemplateVersion, linkKey = null, onboardingUrl = null }: ViewContext): ByobView => ({
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
  quickCreateUrl: r.quickCreate ? (linkKey ? withToken(r.quickCreate.url, linkKey, r.id) : r.quickCreate.url) : null,
  quickCreateExpiresAt: r.quickCreate?.expiresAt ?? null,
  onboardingUrl: onboardingUrl?.(r.id, r.onboardingEpoch ?? 0) ?? null,
  outputs: r.outputs,
  adopted: r.adopted ?? null,
  verification: r.verification,
  drift: r.drift ?? null,
  failure: r.failure,
  callback: r.callback,
  tags: r.tags,
  templateVersion: templateVersionOf(r),
  latestTemplateVersion,
  updateAvailable: (templateVersionOf(r) !== latestTemplateVersion || Boolean(r.pendingUpdate)) && !WITHOUT_STACK_TO_UPDATE.has(r.status),
  lastUpdate: r.lastUpdate ?? null,
  pendingUpdate: r.pendingUpdate && r.launch.stackId ? updateLinksOf(r.region, r.launch.stackId, r.pendingUpdate) : null,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/** A view built without the link key (e.g. replayed from the idempotency store) with its link's token added. */
export const withLinkToken = (view: ByobView, linkKey: string | null): ByobView =>
  view.quickCreateUrl && linkKey && withoutToken(view.quickCreateUrl) === view.quickCreateUrl
    ? { ...view, quickCreateUrl: withToken(view.quickCreateUrl, linkKey, view.id) }
    : view;

/** A view built without the onboarding linker with its page link added; `epoch` is the record's onboarding epoch. */
export const withOnboardingUrl = (view: ByobView, onboardingUrl: OnboardingLinker, epoch: number): ByobView => ({ ...view, onboardingUrl: onboardingUrl(view.id, epoch) });

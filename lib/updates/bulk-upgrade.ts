import * as z from 'zod/mini';
import { ConflictError, DependencyError, type Problem, toProblem, ValidationError } from '../errors.js';
import { REQUEST_ID_PATTERN } from '../identifiers.js';
import { logger } from '../logger.js';
import type { OutdatedRequests } from '../provisioning/outdated-requests.js';
import { inPool } from '../provisioning/pool.js';
import { type ByobRecord, type ResourceChange, templateVersionOf } from '../provisioning/record.js';
import { updateLinksOf, type UpdateLinks } from '../quick-create/update-links.js';
import { tenantSettings } from '../tenants/settings.js';
import type { ChangeSetWait } from './change-sets.js';
import { previewDirectUpdate, refusal, type UpdateDeps } from './direct-update.js';
import { renderUpdate } from './rendered-update.js';
import { templateFieldsOf } from './template-fields.js';
import { upgradeByob } from './update.js';
import '../validation/messages.js';

/**
 * POST /byob/upgrade: a tenant's requests on an older template version, a bounded batch at a time.
 * Each direct-mode request is upgraded exactly as POST /byob/{id}/upgrade does it, or, in a dry run,
 * previewed: a change set of its own made, described and deleted, nothing executed and the record
 * untouched. Quick-create stacks run in the customer's account: they are listed as skipped, with the
 * links of the update offered to the customer (a real run offers it, as the single upgrade does).
 */

/** Body of POST /byob/upgrade (an empty body takes every default). */
export const BulkUpgradeRequest = z.prefault(
  z.strictObject({
    dryRun: z._default(z.boolean(), false),
    limit: z._default(z.number().check(z.int(), z.gte(1), z.lte(25)), 10),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  }),
  {},
);
/** A parsed POST /byob/upgrade body. */
export type BulkUpgradeRequest = z.infer<typeof BulkUpgradeRequest>;

/** What the bulk upgrade needs: an update's, and the listing of the tenant's requests on an older version. */
export interface BulkUpgradeDeps extends UpdateDeps {
  outdated: OutdatedRequests;
}

/** How many requests are worked on at once: each waits on AWS, none on another. */
export const BULK_POOL_SIZE = 4;

/**
 * How long after the call began a request may still be started. A request's AWS calls give up after
 * 2 attempts of 3 s each (the http profile, lib/aws/clients.ts) and its change set is waited for
 * {@link BULK_CHANGE_SET_WAIT}, so one started by then ends before the route's 28 s; the rest are
 * left to the next call (`nextCursor`).
 */
export const BULK_START_WINDOW_MS = 14_000;

/** How long each request's change set is waited for: a started upgrade not yet described is the reconciler's to decide. */
export const BULK_CHANGE_SET_WAIT: ChangeSetWait = { budgetMs: 2_000, pollMs: 250 };

/** What happened to one request. */
export interface BulkItem {
  id: string;
  templateVersion: string;
  toVersion: string;
  /** started | refused | skipped | failed; a dry run: would_update | would_refuse | skipped | failed. */
  result: 'started' | 'refused' | 'skipped' | 'failed' | 'would_update' | 'would_refuse';
  /** The change set's changes, when CloudFormation described them in time. */
  changes: ResourceChange[] | null;
  /** Why it was refused, skipped or failed (as the single routes would answer it). */
  problem?: Problem;
  /** Quick-create: the update offered to the customer, who applies it. */
  pendingUpdate?: UpdateLinks | null;
}

/** The answer of POST /byob/upgrade. */
export interface BulkUpgradeAnswer {
  items: BulkItem[];
  nextCursor: string | null;
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

const decodeCursor = (cursor: string | undefined): string | undefined => {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!REQUEST_ID_PATTERN.test(id)) throw new ValidationError([{ path: 'cursor', message: 'is not a cursor returned by this API' }]);
  return id;
};

const linksOf = (r: ByobRecord, latest: string): UpdateLinks | null =>
  r.pendingUpdate && r.pendingUpdate.toVersion === latest && r.launch.stackId ? updateLinksOf(r.region, r.launch.stackId, r.pendingUpdate) : null;

const failure = (record: ByobRecord, error: unknown): Problem => {
  const problem = toProblem(error);
  if (problem.status >= 500) logger.error('bulk upgrade: a request failed', { requestId: record.id, error: error as Error });
  return problem;
};

/** What an upgrade started as POST /byob/{id}/upgrade does it left on the record. */
const upgraded = (before: ByobRecord, after: ByobRecord, item: Pick<BulkItem, 'id' | 'templateVersion' | 'toVersion'>): BulkItem => {
  if (after.launch.mode === 'quick-create') return { ...item, result: 'skipped', changes: null, pendingUpdate: linksOf(after, item.toVersion) };
  if (after.status === 'UPDATING') return { ...item, result: 'started', changes: after.update?.changes ?? null };
  const last = after.lastUpdate;
  if (last?.status === 'succeeded' && last.at !== before.lastUpdate?.at) return { ...item, result: 'started', changes: last.changes };
  return { ...item, result: 'failed', changes: null, problem: toProblem(new ConflictError(last?.status === 'failed' ? last.reason : `Request ${after.id} is ${after.status}.`)) };
};

/** Upgrades one request as POST /byob/{id}/upgrade does: started, refused (with the offending resources) or skipped (busy). */
const upgradeOne = async (deps: UpdateDeps, record: ByobRecord, item: Pick<BulkItem, 'id' | 'templateVersion' | 'toVersion'>): Promise<BulkItem> => {
  try {
    return upgraded(record, (await upgradeByob(deps, record.tenant, record.id)).record, item);
  } catch (error) {
    const problem = failure(record, error);
    if (!(error instanceof ConflictError)) return { ...item, result: 'failed', changes: null, problem };
    return { ...item, result: 'offendingResources' in error.extra ? 'refused' : 'skipped', changes: null, problem };
  }
};

/** Previews one request's upgrade: what its change set would change and whether it would be refused, nothing run. */
const previewOne = async (deps: UpdateDeps, record: ByobRecord, externalId: () => Promise<string>, item: Pick<BulkItem, 'id' | 'templateVersion' | 'toVersion'>): Promise<BulkItem> => {
  if (record.launch.mode === 'quick-create') return { ...item, result: 'skipped', changes: null, pendingUpdate: linksOf(record, item.toVersion) };
  try {
    const template = renderUpdate(deps, record, templateFieldsOf(record), await externalId());
    const preview = await previewDirectUpdate(deps, record, template, BULK_CHANGE_SET_WAIT);
    if (!preview) throw new DependencyError('CloudFormation did not describe the change set in time (it was deleted); run the dry run again.');
    if (preview.refused.length) return { ...item, result: 'would_refuse', changes: preview.changes, problem: toProblem(refusal(preview.refused)) };
    return { ...item, result: 'would_update', changes: preview.changes };
  } catch (error) {
    return { ...item, result: 'failed', changes: null, problem: failure(record, error) };
  }
};

/**
 * Upgrades (or, `dryRun`, previews) up to `limit` of the tenant's READY and DEGRADED requests on an
 * older template version, {@link BULK_POOL_SIZE} at a time, newest first from `cursor`. Requests not
 * started within {@link BULK_START_WINDOW_MS} are left for the next call, which `nextCursor` resumes at.
 */
export const bulkUpgrade = async (deps: BulkUpgradeDeps, tenant: string, body: BulkUpgradeRequest): Promise<BulkUpgradeAnswer> => {
  const startBy = deps.clock().getTime() + BULK_START_WINDOW_MS;
  const toVersion = deps.config.templateVersion;
  const page = await deps.outdated.list(tenant, { latestVersion: toVersion, limit: body.limit, after: decodeCursor(body.cursor) });
  let settings: Promise<string> | undefined;
  const externalId = () => (settings ??= tenantSettings(deps, tenant).then((s) => s.externalId));
  const bulkDeps: UpdateDeps = { ...deps, changeSetWait: BULK_CHANGE_SET_WAIT };
  const results = await inPool(page.items, BULK_POOL_SIZE, async (record): Promise<BulkItem | null> => {
    if (deps.clock().getTime() > startBy) return null;
    const item = { id: record.id, templateVersion: templateVersionOf(record), toVersion };
    return body.dryRun ? previewOne(bulkDeps, record, externalId, item) : upgradeOne(bulkDeps, record, item);
  });
  // Requests are started in order, so those left form the end of the batch.
  const items = results.filter((i): i is BulkItem => i !== null);
  if (page.items.length && !items.length) throw new DependencyError('Listing the requests took the time their upgrades needed; retry shortly.');
  const resumeAfter = items.length < page.items.length ? items.at(-1)!.id : page.resumeAfter;
  return { items, nextCursor: resumeAfter === null ? null : encodeCursor(resumeAfter) };
};

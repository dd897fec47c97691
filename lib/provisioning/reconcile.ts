import { launchFor } from './create.js';
import { logger } from '../logger.js';
import { inPool } from './pool.js';
import { deliverDue, type OutboxDeps } from '../webhooks/outbox.js';
import { lookAgainLater, type ProvisioningDeps, syncWithStack, verifyAndSettle, withFreshRecord } from './workflow.js';
import type { ByobRecord } from './record.js';
import { transition } from './transition.js';
import { assure } from './assurance.js';
import { isAssured } from './state-machine.js';
import { continueDirectUpdate } from '../updates/direct-update.js';
import { continueCustomerUpdate } from '../quick-create/applied-update.js';
import { owesUpdateNotice, raiseUpdateAvailable, UPDATE_NOTICES_PER_RUN } from '../updates/update-available.js';
import { StaleRecordError } from './stale-record.js';

/** How many overdue records one run works on at once: each waits on AWS, none waits for another. */
export const RECONCILE_POOL_SIZE = 8;

/** A request stuck this long past its first deadline is failed rather than polled forever. */
export const GIVE_UP_AFTER_MS = 6 * 60 * 60 * 1000;

/** What one reconciler run did. */
export interface ReconcileReport {
  examined: number;
  changed: number;
  webhooksSent: number;
  errors: number;
}

/** How many `byob.update_available` webhooks a run may still raise (lib/updates/update-available.ts). */
export interface NoticeBudget {
  left: number;
}

/** Raises the record's `byob.update_available` when it is owed one and the run's budget allows; a record moved meanwhile waits for its next look. */
const noticeUpdate = async (deps: ProvisioningDeps, record: ByobRecord, budget: NoticeBudget): Promise<void> => {
  if (budget.left <= 0 || !owesUpdateNotice(record, deps.config.templateVersion)) return;
  budget.left--;
  try {
    await deps.deliverNow(await raiseUpdateAvailable(deps, record)).catch(() => undefined);
  } catch (error) {
    if (!(error instanceof StaleRecordError)) throw error;
    budget.left++;
  }
};

/**
 * Converges one overdue record: asks CloudFormation once (by stack id, or by its deterministic name),
 * adopts what it finds, relaunches a stack that never started (same token, same name: at most one
 * stack), expires unused links, re-runs a verification that was cut off, finishes an update whose
 * Lambda stopped short (lib/updates/direct-update.ts) or waits for the customer's stack to report
 * one (lib/quick-create/applied-update.ts). A READY or DEGRADED record that is due gets its scheduled
 * verification or drift read-back (assurance.ts) and, on an older template version, its one
 * `byob.update_available` (within `notices`).
 */
export const reconcileRecord = async (deps: ProvisioningDeps, record: ByobRecord, notices: NoticeBudget = { left: UPDATE_NOTICES_PER_RUN }): Promise<boolean> => {
  const now = deps.clock();
  if (isAssured(record.status) && record.dueAt && Date.parse(record.dueAt) <= now.getTime()) {
    // listDue read it consistently and only if due; assurance writes conditionally on that read.
    const assured = await assure(deps, record);
    await noticeUpdate(deps, assured, notices);
    return assured.status !== record.status;
  }
  const out = await withFreshRecord(deps, record.tenant, record.id, async (r) => {
    if (!r.dueAt || Date.parse(r.dueAt) > now.getTime()) return null;
    const age = now.getTime() - Date.parse(r.createdAt);
    switch (r.status) {
      case 'AWAITING_CUSTOMER':
        if (r.quickCreate && Date.parse(r.quickCreate.expiresAt) <= now.getTime()) return transition(deps, r, 'EXPIRED');
        return lookAgainLater(deps, r);
      case 'VERIFYING':
        return verifyAndSettle(deps, r);
      case 'UPDATING':
        return r.launch.mode === 'quick-create' ? continueCustomerUpdate(deps, r, GIVE_UP_AFTER_MS) : continueDirectUpdate(deps, r);
      case 'PENDING':
      case 'CREATING':
      case 'DELETING': {
        if (r.launch.mode === 'quick-create' && r.status !== 'PENDING') {
          // The customer's stack reports itself; nothing to ask in an account we cannot read.
          return age > GIVE_UP_AFTER_MS
            ? transition(deps, r, 'FAILED', { failure: { code: 'timed_out', message: 'The stack in your account did not report back in time; check its Events tab, delete it and launch the link again.', resource: null } })
            : lookAgainLater(deps, r);
        }
        const synced = await syncWithStack(deps, r);
        if (synced) return synced;
        if (r.status === 'PENDING' && r.launch.mode === 'direct') {
          // Killed before (or during) CreateStack: launching again is safe (same token, same name, adoption).
          const stackId = await launchFor(deps, r);
          const fresh = await deps.store.get(r.tenant, r.id);
          if (fresh && fresh.status === 'PENDING') {
            return (await syncWithStack(deps, fresh)) ?? transition(deps, fresh, 'CREATING', { launch: { ...fresh.launch, stackId } });
          }
          return fresh;
        }
        if (age > GIVE_UP_AFTER_MS || r.status === 'PENDING') {
          return transition(deps, r, 'FAILED', { failure: { code: 'timed_out', message: 'The stack could not be found or did not finish in time; create the request again.', resource: null } });
        }
        return lookAgainLater(deps, r);
      }
      default:
        return deps.store.patch(r, { dueAt: null }, now.toISOString());
    }
  });
  return Boolean(out && out.status !== record.status);
};

/**
 * One scheduled run: the overdue records (read from the sparse due index only, so its cost follows
 * what is due, not the table), a pool of them at a time, then due webhooks. One record's error never
 * stops the others.
 */
export const reconcile = async (deps: ProvisioningDeps & OutboxDeps, limit = 50): Promise<ReconcileReport> => {
  const due = await deps.store.listDue(deps.clock().toISOString(), limit);
  const report: ReconcileReport = { examined: due.length, changed: 0, webhooksSent: 0, errors: 0 };
  const notices: NoticeBudget = { left: UPDATE_NOTICES_PER_RUN };
  await inPool(due, RECONCILE_POOL_SIZE, async (r) => {
    try {
      if (await reconcileRecord(deps, r, notices)) report.changed++;
    } catch (error) {
      report.errors++;
      logger.error('reconcile failed for a request', { requestId: r.id, error: error as Error });
    }
  });
  try {
    report.webhooksSent = await deliverDue(deps);
  } catch (error) {
    report.errors++;
    logger.error('webhook delivery run failed', { error: error as Error });
  }
  return report;
};

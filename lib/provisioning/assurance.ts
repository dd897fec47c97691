import { logger } from '../logger.js';
import { driftDegrades, type DriftSummary, readDriftDetection, startDriftDetection, unknownDrift } from './drift.js';
import type { ByobRecord, StoredVerification } from './record.js';
import { DEFAULT_REVERIFY_INTERVAL_MS, assuredDueAt, driftPollDelayMs, reverifyPeriodMs } from './reverify-schedule.js';
import { isAssured } from './state-machine.js';
import { transition } from './transition.js';
import { retryOnStale } from './stale-record.js';
import type { ProvisioningDeps, RequestClients } from './workflow.js';
import { checkPrecondition, type VersionMatch } from './precondition.js';

/**
 * Continuous assurance of a provisioned bucket: verification on a schedule (and on demand), plus
 * CloudFormation drift detection where the stack is in reach, moving the request between READY and
 * DEGRADED. An on-demand verify goes straight from READY to DEGRADED (or back), never through
 * VERIFYING: the bucket stays in use while it is checked, and pollers never see it leave the
 * provisioned states for a check.
 */

/** A drift detection not read back within this long is given up (AWS: "up to several minutes"). */
export const DRIFT_TIMEOUT_MS = 15 * 60_000;

/** DEGRADED when the last verification failed or the last drift took something away; a warning alone keeps READY. */
export const assuredStatus = (verification: StoredVerification | null, drift: DriftSummary | null | undefined): 'READY' | 'DEGRADED' =>
  verification?.status === 'failed' || driftDegrades(drift) ? 'DEGRADED' : 'READY';

/** Whether drift detection can reach the stack: direct mode, in the vendor's account or through the customer's deployment role. */
export const driftInReach = (record: ByobRecord): boolean => record.launch.mode === 'direct' && Boolean(record.launch.stackId);

type Findings = Partial<Pick<ByobRecord, 'verification' | 'drift' | 'driftDetection'>>;

/**
 * Writes new findings on an assured record, moving it between READY and DEGRADED when they say so
 * (the transition carries `byob.degraded` / `byob.recovered`, attempted at once). The write is
 * conditional on the version read: the record in hand is tried first and re-read only when a
 * concurrent writer moved it (with a caller's `ifMatch`, a moved record answers 412 instead). Returns
 * null when it has left READY/DEGRADED meanwhile (e.g. deleted).
 */
const settle = async (deps: ProvisioningDeps, record: ByobRecord, findings: Findings, ifMatch?: VersionMatch): Promise<ByobRecord | null> => {
  let inHand: ByobRecord | null = record;
  const out = await retryOnStale(record.id, async () => {
    const r = inHand ?? (await deps.store.get(record.tenant, record.id));
    inHand = null;
    if (r) checkPrecondition(r, ifMatch);
    if (!r || !isAssured(r.status)) return null;
    const merged = { ...r, ...findings };
    const status = assuredStatus(merged.verification, merged.drift);
    if (status !== r.status) return { record: await transition(deps, r, status, findings), moved: true };
    const now = deps.clock();
    const dueAt = assuredDueAt(merged, status, deps.reverifyIntervalMs ?? DEFAULT_REVERIFY_INTERVAL_MS, now);
    return { record: await deps.store.patch(r, { ...findings, dueAt }, now.toISOString()), moved: false };
  });
  if (out?.moved) await deps.deliverNow(out.record).catch(() => undefined);
  return out?.record ?? null;
};

/**
 * A detection that could not run or finish says nothing about the stack: the last completed one stays
 * in force (so a throttled call neither degrades nor recovers a request), with why it was not renewed.
 */
export const driftNotRenewed = (previous: DriftSummary | null | undefined, failed: DriftSummary): DriftSummary =>
  previous && previous.status !== 'UNKNOWN' ? { ...previous, detail: `${failed.detail ?? 'Drift detection failed.'} Shown: the last completed detection, of ${previous.checkedAt}.` } : failed;

/** Starts a drift detection of the record's stack; a refusal (e.g. missing permissions) is recorded with the last completed drift. */
const startDrift = async (deps: ProvisioningDeps, record: ByobRecord, clients: RequestClients): Promise<Findings> => {
  const now = deps.clock().toISOString();
  try {
    return { driftDetection: { id: await startDriftDetection(clients.cfn, record.launch.stackId!), startedAt: now } };
  } catch (error) {
    logger.warn('drift detection could not start', { requestId: record.id, error: error as Error });
    return { drift: driftNotRenewed(record.drift, unknownDrift(now, `Drift detection could not start (${(error as Error).name}).`)), driftDetection: null };
  }
};

/**
 * Verifies an assured record now and, where the stack is in reach and no detection is running,
 * starts drift detection (read back by a later reconciler run). The status is decided on this
 * verification and the last completed drift.
 */
export const verifyAssured = async (deps: ProvisioningDeps, record: ByobRecord, when: 'scheduled' | 'interactive', ifMatch?: VersionMatch): Promise<ByobRecord> => {
  const clients = await deps.clientsFor(record);
  const verification = await deps.verify(record, clients, when);
  const running = record.driftDetection;
  const drift = running ? { driftDetection: { ...running, outdated: true } } : driftInReach(record) ? await startDrift(deps, record, clients) : {};
  return (await settle(deps, record, { verification, ...drift }, ifMatch)) ?? record;
};

/** Reads a running drift detection back; still running, it is looked at again shortly (or given up after 15 minutes). */
const collectDrift = async (deps: ProvisioningDeps, record: ByobRecord, detection: { id: string; startedAt: string }): Promise<ByobRecord> => {
  const now = deps.clock();
  const { cfn } = await deps.clientsFor(record);
  const at = now.toISOString();
  let drift: DriftSummary | null;
  try {
    drift = await readDriftDetection(cfn, detection.id, record.launch.stackId!, at);
  } catch (error) {
    drift = unknownDrift(at, `Drift detection could not be read (${(error as Error).name}).`);
  }
  if (!drift && now.getTime() - Date.parse(detection.startedAt) < DRIFT_TIMEOUT_MS) {
    const period = reverifyPeriodMs(record.status as 'READY' | 'DEGRADED', deps.reverifyIntervalMs ?? DEFAULT_REVERIFY_INTERVAL_MS);
    return deps.store.patch(record, { dueAt: new Date(now.getTime() + driftPollDelayMs(period)).toISOString() }, at);
  }
  const finished = drift ?? unknownDrift(at, 'Drift detection did not finish within 15 minutes.');
  return (await settle(deps, record, { drift: finished.status === 'UNKNOWN' ? driftNotRenewed(record.drift, finished) : finished, driftDetection: null })) ?? record;
};

/**
 * One scheduled look at a READY or DEGRADED record that is due: read back its drift detection (or,
 * when a verification ran after it started, start it again), or verify it.
 */
export const assure = async (deps: ProvisioningDeps, record: ByobRecord): Promise<ByobRecord> => {
  const detection = record.driftDetection;
  if (!detection) return verifyAssured(deps, record, 'scheduled');
  if (!detection.outdated) return collectDrift(deps, record, detection);
  const restarted = await startDrift(deps, record, await deps.clientsFor(record));
  return (await settle(deps, record, restarted)) ?? record;
};

import { type ByobRecord, templateVersionOf } from '../provisioning/record.js';
import { isAssured } from '../provisioning/state-machine.js';
import { amend, type TransitionDeps } from '../provisioning/transition.js';

/**
 * `byob.update_available`: the vendor shipped a template change (a new TEMPLATE_VERSION), and a
 * provisioned request runs an older one. One webhook per request and latest version: the record
 * remembers the version it was raised for (`updateNotifiedVersion`), written in the same conditional
 * transaction as the event, so a retried or concurrent run can neither lose it nor raise it twice.
 *
 * The reconciler raises it when it looks at a record on its re-verification schedule
 * (lib/provisioning/reconcile.ts): that look already has the record in hand, so it costs no read;
 * every READY or DEGRADED record comes due once per REVERIFY_INTERVAL (DEGRADED ones more often), spread
 * evenly over it, so the webhooks follow the schedule's rate (10,000 requests at P1D: at most 8 a minute),
 * and every record is told within one interval of the deploy.
 */

/** At most this many `byob.update_available` webhooks a reconciler run raises; the others wait for their record's next scheduled look. */
export const UPDATE_NOTICES_PER_RUN = 25;

/** Whether `record` is owed a `byob.update_available` for the deployment's latest template version. */
export const owesUpdateNotice = (record: ByobRecord, latestVersion: string): boolean =>
  isAssured(record.status) && record.callback !== null && templateVersionOf(record) !== latestVersion && record.updateNotifiedVersion !== latestVersion;

/**
 * Raises `byob.update_available` for the latest template version with the record's
 * `updateNotifiedVersion`, in one write conditional on the version and status read (StaleRecordError
 * when the record moved meanwhile). Returns the record as written.
 */
export const raiseUpdateAvailable = (deps: TransitionDeps, record: ByobRecord): Promise<ByobRecord> =>
  amend(deps, record, { updateNotifiedVersion: deps.config.templateVersion }, ['byob.update_available']);

import { isDependencyFailure } from '../aws/dependency-failure.js';
import { REQUEST_ID_PATTERN } from '../identifiers.js';
import { logger } from '../logger.js';
import { verifyAndSettle, type VerifyingDeps } from '../provisioning/workflow.js';
import { tokenMatches } from './link.js';
import type { ByobRecord } from '../provisioning/record.js';
import { transition } from '../provisioning/transition.js';
import { retryOnStale } from '../provisioning/stale-record.js';
import {
  AddressedRequest,
  buildResponse,
  CustomResourceRequest,
  type CustomResourceResponse,
  physicalIdOf,
  responseUrlAllowed,
  sendResponse,
} from './custom-resource.js';
import { decideUpdate } from './applied-update.js';
import { outputsOf, PreviousProps, RegistrationProps } from './registration-properties.js';


const stackArn = (stackId: string) => /^arn:aws:cloudformation:([a-z0-9-]+):(\d{12}):stack\/([^/]+)\//.exec(stackId);

/** Our physical id names the request when the properties carry a valid request id. */
const physicalId = (req: AddressedRequest & { ResourceProperties?: unknown }): string => {
  const props = req.ResourceProperties;
  const id = props && typeof props === 'object' && 'RequestId' in props ? props.RequestId : undefined;
  return physicalIdOf(req, typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? id : 'byob-registration');
};

/** The outcome of one request: the answer, plus work done after answering (webhooks, verification). */
interface Handled {
  response: CustomResourceResponse;
  after?: () => Promise<unknown>;
}

/** A refusal; but a Delete must always succeed, or the customer could not delete (or roll back) their stack. */
const refuse = (req: CustomResourceRequest, reason: string): Handled =>
  req.RequestType === 'Delete'
    ? { response: buildResponse(req, 'SUCCESS', `Nothing to clean up: ${reason}`, physicalId(req)) }
    : { response: buildResponse(req, 'FAILED', reason, physicalId(req)) };

const REASONS = {
  malformed: 'The registration properties are missing or malformed; launch the stack from the link the vendor portal gave you.',
  badToken: 'This registration token is not valid; launch the stack again from the link the vendor portal gave you.',
  otherAccount: 'This link was already used from another AWS account; ask the vendor portal for a new link.',
  expired: 'This link has expired; ask the vendor portal for a new one.',
  cancelled: 'This request was cancelled in the vendor portal; ask it for a new link.',
  used: 'This link can no longer be used; ask the vendor portal for a new link.',
  notRegistered: 'This stack is not the one registered for this request; update the stack the link created, or ask the vendor portal for a new link.',
  rolledBack:
    'The stack in your account rolled back or was deleted before it completed. Open its Events tab in the CloudFormation console for the resource that failed and why, fix that, then ask the vendor portal for a new link.',
  internal: 'The vendor could not record this registration; retry the stack in a few minutes.',
} as const;

const isExpired = (r: ByobRecord, now: Date) => r.status === 'EXPIRED' || (r.status === 'AWAITING_CUSTOMER' && r.quickCreate !== null && Date.parse(r.quickCreate.expiresAt) <= now.getTime());

/** Why the record cannot take a first registration from a new stack, or null when it can. */
const unusable = (r: ByobRecord, now: Date): string | null => {
  if (isExpired(r, now)) return REASONS.expired;
  if (r.status === 'DELETED' || r.status === 'DELETING') return REASONS.cancelled;
  return r.status === 'AWAITING_CUSTOMER' ? null : REASONS.used;
};

/** Why the stack is not the one this link is bound to, or null when it is (or nothing is bound yet). */
const bindingConflict = (r: ByobRecord, stackId: string, account: string): string | null => {
  const bound = r.quickCreate?.boundAccountId;
  if (bound && bound !== account) return REASONS.otherAccount;
  if (r.launch.stackId && r.launch.stackId !== stackId) {
    const name = stackArn(r.launch.stackId)?.[3] ?? r.launch.stackId;
    return `This link was already used for stack ${name}; delete this stack and use that one, or ask the vendor portal for a new link.`;
  }
  return null;
};

type Deps = VerifyingDeps;

/**
 * Decides the answer for one request against the current record. Status changes are written before
 * the answer (so a replay of the same request finds them and answers the same, changing nothing);
 * only webhooks and verification run after it.
 */
const decide = async (deps: Deps, req: CustomResourceRequest, p: RegistrationProps, r: ByobRecord): Promise<Handled> => {
  const notify = (changed: ByobRecord) => () => deps.deliverNow(changed).catch(() => undefined);
  const ok = (reason: string, data: Record<string, string> = {}, after?: Handled['after']): Handled => ({
    response: buildResponse(req, 'SUCCESS', reason, physicalId(req), data),
    ...(after ? { after } : {}),
  });

  if (!r.quickCreate || !tokenMatches(p.Token, r.quickCreate.tokenHash)) return refuse(req, REASONS.badToken);
  const [, region, account] = stackArn(req.StackId) ?? [];
  if (!region || !account) return refuse(req, REASONS.malformed);
  if (region !== r.region) return refuse(req, `This link is for region ${r.region}; launch it there.`);
  const conflict = bindingConflict(r, req.StackId, account);
  if (conflict) return refuse(req, conflict);
  const boundHere = r.launch.stackId === req.StackId;
  const now = deps.clock();

  if (req.RequestType === 'Update') {
    if (!boundHere) return refuse(req, REASONS.notRegistered);
    const verdict = await decideUpdate(deps, p, PreviousProps.safeParse(req.OldResourceProperties).data ?? {}, r, { account, region });
    if (verdict.status === 'FAILED') return refuse(req, verdict.reason);
    const changed = verdict.changed;
    if (!changed) return ok(verdict.reason);
    return ok(verdict.reason, changed.status === 'VERIFYING' ? { RequestId: r.id } : {}, async () => {
      await notify(changed)();
      if (changed.status === 'VERIFYING') await verifyAndSettle(deps, changed);
    });
  }

  if (req.RequestType === 'Delete') {
    // Only the stack this link is bound to speaks for the request; a refused stack's rollback changes nothing.
    if (!boundHere || p.Phase !== 'started') return ok('Deleted');
    if (r.status === 'READY' || r.status === 'DEGRADED' || r.status === 'DELETING') {
      const deleted = await transition(deps, r, 'DELETED', { launch: { ...r.launch, stackStatus: 'DELETE_IN_PROGRESS' } });
      return ok('Deleted', {}, notify(deleted));
    }
    if (r.status === 'CREATING' || r.status === 'VERIFYING') {
      const failed = await transition(deps, r, 'FAILED', {
        launch: { ...r.launch, stackStatus: 'ROLLBACK_IN_PROGRESS' },
        failure: { code: 'stack_rolled_back', message: REASONS.rolledBack, resource: null },
      });
      return ok('Deleted', {}, notify(failed));
    }
    return ok('Deleted');
  }

  // Create: a first registration binds the link to this stack (and so to its account).
  if (!boundHere) {
    const why = unusable(r, now);
    if (why) return refuse(req, why);
  }
  const bound = { quickCreate: { ...r.quickCreate, boundAccountId: account }, launch: { ...r.launch, stackId: req.StackId, stackStatus: 'CREATE_IN_PROGRESS' } };
  if (p.Phase === 'started') {
    if (boundHere) return ok('Registered');
    const creating = await transition(deps, r, 'CREATING', bound);
    return ok('Registered', {}, notify(creating));
  }

  const outputs = outputsOf(p, r, account, region);
  if (typeof outputs === 'string') {
    if (r.status !== 'CREATING' && r.status !== 'AWAITING_CUSTOMER') return refuse(req, outputs);
    // The stack will roll back; the record says why now, rather than "rolled back" later.
    const failed = await transition(deps, r, 'FAILED', { ...bound, failure: { code: 'registration_refused', message: outputs, resource: null } });
    return { ...refuse(req, outputs), after: notify(failed) };
  }
  const data = { RequestId: r.id };
  if (r.status !== 'CREATING' && r.status !== 'AWAITING_CUSTOMER') return ok('Registered', data);
  const verifying = await transition(deps, r, 'VERIFYING', { ...bound, outputs });
  return ok('Registered', data, async () => {
    await notify(verifying)();
    await verifyAndSettle(deps, verifying);
  });
};

/** Reads the request's record and decides, again on a fresh read when a concurrent writer moved it first. */
const decideFresh = async (deps: Deps, req: CustomResourceRequest): Promise<Handled> => {
  const props = RegistrationProps.safeParse(req.ResourceProperties);
  if (!props.success) return refuse(req, REASONS.malformed);
  return retryOnStale(props.data.RequestId, async () => {
    const record = await deps.store.findById(props.data.RequestId);
    return record ? decide(deps, req, props.data, record) : refuse(req, REASONS.badToken);
  });
};

/** What the registration handler needs: the workflow that verifies buckets, and optionally how answers are sent. */
export interface RegistrationDeps extends VerifyingDeps {
  sendCfnResponse?: (url: string, response: CustomResourceResponse) => Promise<void>;
}

/**
 * Handles one SNS message from a customer's stack: answers CloudFormation (also on Delete, on a bad
 * token, or on our own error), then does the slow work after answering. Returns the answer, or null
 * when the message is not something we may answer (logged). Throws when the answer could not be
 * delivered, so Lambda retries the event; a replay answers the same and changes nothing. AWS failing
 * (time-out, throttling, 5xx) is not the customer's stack failing: then it throws before answering,
 * Lambda retries the event, and CloudFormation waits for the answer meanwhile.
 */
export const handleRegistration = async (deps: RegistrationDeps, message: string): Promise<CustomResourceResponse | null> => {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    logger.warn('registration message is not JSON; nothing to answer', { length: message.length });
    return null;
  }
  const addressed = AddressedRequest.safeParse(raw);
  if (!addressed.success) {
    logger.warn('registration message is not a custom resource request; nothing to answer', { issues: addressed.error.issues.map((i) => i.path.join('.')) });
    return null;
  }
  const target = addressed.data;
  if (!responseUrlAllowed(target.ResponseURL, deps.config.localMode)) {
    logger.warn("refused a ResponseURL outside CloudFormation's S3 endpoints", { stackId: target.StackId.slice(0, 300), requestId: target.RequestId });
    return null;
  }
  const parsed = CustomResourceRequest.safeParse(raw);
  let handled: Handled;
  if (!parsed.success) {
    logger.warn('registration request is malformed', { stackId: target.StackId.slice(0, 300), issues: parsed.error.issues.map((i) => i.path.join('.')) });
    const isDelete = (raw as { RequestType?: unknown }).RequestType === 'Delete';
    handled = { response: buildResponse(target, isDelete ? 'SUCCESS' : 'FAILED', isDelete ? 'Nothing to clean up: malformed request' : 'The custom resource request is malformed.', physicalId(target)) };
  } else {
    const req = parsed.data;
    try {
      handled = await decideFresh(deps, req);
    } catch (error) {
      if (isDependencyFailure(error)) throw error;
      logger.error('registration failed', { error: error as Error, stackId: req.StackId, requestId: req.RequestId });
      const status = req.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED';
      handled = { response: buildResponse(req, status, status === 'SUCCESS' ? 'Nothing to clean up after an internal error.' : REASONS.internal, physicalId(req)) };
    }
  }
  let undelivered: unknown;
  try {
    await (deps.sendCfnResponse ?? sendResponse)(target.ResponseURL, handled.response);
  } catch (error) {
    logger.error('could not answer CloudFormation', { error: error as Error, stackId: target.StackId.slice(0, 300), requestId: target.RequestId });
    undelivered = error;
  }
  if (handled.after) {
    await handled.after().catch((error: unknown) => {
      // The reconciler finishes what this left (VERIFYING has a short deadline; webhooks stay in the outbox).
      logger.error('work after the registration answer failed', { error: error as Error, stackId: target.StackId.slice(0, 300) });
    });
  }
  if (undelivered) throw undelivered;
  return handled.response;
};

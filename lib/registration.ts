import { z } from 'zod';
import { logger } from './logger.js';
import { completeWithOutputs, type ProvisioningDeps } from './provisioning.js';
import { tokenMatches } from './quick-create.js';
import type { ByobRecord, Outputs } from './record.js';
import { transition } from './status.js';
import { StaleRecordError } from './store.js';

/** CloudFormation's custom resource request, as carried in the SNS message. */
export const CustomResourceRequest = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.string().url(),
  StackId: z.string().regex(/^arn:aws:cloudformation:[a-z0-9-]+:\d{12}:stack\/.+/),
  RequestId: z.string().min(1).max(256),
  ResourceType: z.string().max(256),
  LogicalResourceId: z.string().min(1).max(256),
  PhysicalResourceId: z.string().max(1024).optional(),
  ResourceProperties: z.record(z.string(), z.unknown()).default({}),
  OldResourceProperties: z.record(z.string(), z.unknown()).optional(),
});
/** A parsed custom resource request. */
export type CustomResourceRequest = z.infer<typeof CustomResourceRequest>;

/** What we answer CloudFormation. */
export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho: boolean;
  Data: Record<string, string>;
}

/** CloudFormation rejects responses over 4096 bytes. */
export const MAX_RESPONSE_BYTES = 4096;

const Props = z.object({
  RequestId: z.string().regex(/^byob_[0-9A-HJKMNP-TV-Z]{26}$/),
  Token: z.string().min(16).max(256),
  Phase: z.enum(['started', 'ready']),
  BucketName: z.string().max(63).optional(),
  BucketArn: z.string().max(200).optional(),
  KmsKeyArn: z.string().max(200).optional(),
  RoleArn: z.string().max(300).optional(),
  Region: z.string().max(32).optional(),
  AccountId: z.string().max(12).optional(),
});

const accountOf = (stackId: string) => /^arn:aws:cloudformation:([a-z0-9-]+):(\d{12}):/.exec(stackId);

/** Builds a response, clipping the reason so the body stays under 4096 bytes. */
export const buildResponse = (req: Pick<CustomResourceRequest, 'StackId' | 'RequestId' | 'LogicalResourceId'>, status: 'SUCCESS' | 'FAILED', reason: string, physicalId: string, data: Record<string, string> = {}): CustomResourceResponse => {
  const base: CustomResourceResponse = {
    Status: status,
    Reason: reason,
    PhysicalResourceId: physicalId.slice(0, 1024),
    StackId: req.StackId,
    RequestId: req.RequestId,
    LogicalResourceId: req.LogicalResourceId,
    NoEcho: false,
    Data: data,
  };
  const over = Buffer.byteLength(JSON.stringify(base)) - MAX_RESPONSE_BYTES;
  return over > 0 ? { ...base, Reason: `${reason.slice(0, Math.max(0, reason.length - over - 3))}...`, Data: over > reason.length ? {} : data } : base;
};

/** Outcome of handling one request: the answer plus follow-up work done after answering. */
interface Handled {
  response: CustomResourceResponse;
  after?: () => Promise<unknown>;
}

/** Where a ResponseURL may point: CloudFormation's presigned S3 URLs (or the emulator, locally). */
export const responseUrlAllowed = (url: string, allowLoopback: boolean): boolean => {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol === 'https:' && /^([a-z0-9.-]+\.)?s3([.-][a-z0-9-]+)*\.amazonaws\.com$/.test(u.hostname) && (u.port === '' || u.port === '443')) return true;
  return allowLoopback && (u.hostname === '127.0.0.1' || u.hostname === 'localhost') && (u.protocol === 'http:' || u.protocol === 'https:');
};

const decide = async (deps: ProvisioningDeps, req: CustomResourceRequest): Promise<Handled> => {
  const physicalId = req.PhysicalResourceId ?? `${String(req.ResourceProperties.RequestId ?? 'byob')}-${req.LogicalResourceId}`.slice(0, 200);
  const ok = (reason = 'OK', data: Record<string, string> = {}, after?: Handled['after']): Handled => ({ response: buildResponse(req, 'SUCCESS', reason, physicalId, data), ...(after ? { after } : {}) });
  const fail = (reason: string): Handled =>
    // A Delete must never fail, or the customer could not delete their stack.
    req.RequestType === 'Delete' ? ok(`ignored: ${reason}`) : { response: buildResponse(req, 'FAILED', reason, physicalId) };

  const props = Props.safeParse(req.ResourceProperties);
  if (!props.success) return fail('The registration properties are missing or malformed; launch the stack from the link the vendor portal gave you.');
  const p = props.data;
  const record = await deps.store.findById(p.RequestId);
  if (!record?.quickCreate || !tokenMatches(p.Token, record.quickCreate.tokenHash)) {
    return fail('This registration token is not valid; launch the stack again from the link the vendor portal gave you.');
  }
  const [, region, account] = accountOf(req.StackId)!;
  if (region !== record.region) return fail(`This link is for region ${record.region}; launch it there.`);
  if (record.quickCreate.boundAccountId && record.quickCreate.boundAccountId !== account) {
    return fail('This link was already used from another AWS account; ask the vendor portal for a new link.');
  }

  if (req.RequestType === 'Update') return ok('No change');

  if (req.RequestType === 'Delete') {
    if (p.Phase !== 'started') return ok('Deleted');
    return ok('Deleted', {}, () =>
      retryStale(deps, record, async (r) => {
        if (r.status === 'READY' || r.status === 'DELETING') return transition(deps, r, 'DELETED', { launch: { ...r.launch, stackStatus: 'DELETE_IN_PROGRESS' } });
        if (['AWAITING_CUSTOMER', 'CREATING', 'VERIFYING'].includes(r.status)) {
          return transition(deps, r, 'FAILED', {
            launch: { ...r.launch, stackStatus: 'ROLLBACK_IN_PROGRESS' },
            failure: { code: 'stack_rolled_back', message: 'The stack in your account rolled back or was deleted before it completed; open its Events tab in the CloudFormation console for the failing resource, fix it, and launch the link again.', resource: null },
          });
        }
        return null;
      }),
    );
  }

  // Create
  if (Date.parse(record.quickCreate.expiresAt) < deps.clock().getTime() && record.status === 'AWAITING_CUSTOMER') {
    return fail('This link has expired; ask the vendor portal for a new one.');
  }
  if (p.Phase === 'started') {
    return ok('Registered', {}, () =>
      retryStale(deps, record, async (r) => {
        const bound = { ...r.quickCreate!, boundAccountId: account! };
        if (r.status !== 'AWAITING_CUSTOMER') return null;
        return transition(deps, r, 'CREATING', { quickCreate: bound, launch: { ...r.launch, stackId: req.StackId, stackStatus: 'CREATE_IN_PROGRESS' } });
      }),
    );
  }
  if (!p.BucketName || !p.BucketArn) return fail('The ready registration carried no bucket outputs.');
  const outputs: Outputs = {
    bucketName: p.BucketName,
    bucketArn: p.BucketArn,
    kmsKeyArn: p.KmsKeyArn || null,
    region: p.Region || record.region,
    roleArn: p.RoleArn || null,
    accountId: account!,
  };
  return ok('Registered', { RequestId: record.id }, () =>
    retryStale(deps, record, async (r) => {
      if (!['AWAITING_CUSTOMER', 'CREATING'].includes(r.status)) return null;
      const bound = { ...r.quickCreate!, boundAccountId: account! };
      const withStack = { ...r, quickCreate: bound, launch: { ...r.launch, stackId: req.StackId } };
      return completeWithOutputs(deps, withStack, outputs, 'CREATE_IN_PROGRESS', req.StackId);
    }),
  );
};

const retryStale = async (deps: ProvisioningDeps, first: ByobRecord, step: (r: ByobRecord) => Promise<ByobRecord | null>) => {
  let record: ByobRecord | null = first;
  for (let i = 0; i < 5 && record; i++) {
    try {
      const out = await step(record);
      if (out) await deps.deliverNow(out).catch(() => undefined);
      return out;
    } catch (e) {
      if (!(e instanceof StaleRecordError)) throw e;
      record = await deps.store.get(first.tenant, first.id);
    }
  }
  return null;
};

/** PUTs the answer to the presigned ResponseURL: empty content-type, retried once, each try bounded. */
export const sendResponse = async (url: string, response: CustomResourceResponse, timeoutMs = 10_000): Promise<void> => {
  const body = JSON.stringify(response);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      if (res.ok) return;
      lastError = new Error(`ResponseURL answered ${res.status}`);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error('ResponseURL failed');
};

/**
 * Handles one SNS message from a customer's stack: always answers CloudFormation (also on Delete, on a
 * bad token, or on our own error), then does the slow work (verification) after answering.
 */
export const handleRegistration = async (
  deps: ProvisioningDeps & { sendCfnResponse?: typeof sendResponse },
  message: string,
): Promise<CustomResourceResponse | null> => {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    logger.warn('registration message is not JSON; nothing to answer');
    return null;
  }
  const parsed = CustomResourceRequest.safeParse(raw);
  if (!parsed.success) {
    logger.warn('registration message is not a custom resource request', { issues: parsed.error.issues.length });
    return null;
  }
  const req = parsed.data;
  if (!responseUrlAllowed(req.ResponseURL, deps.config.localMode)) {
    logger.warn('refused a ResponseURL outside CloudFormation\'s S3 endpoints', { stackId: req.StackId });
    return null;
  }
  let handled: Handled;
  try {
    handled = await decide(deps, req);
  } catch (error) {
    logger.error('registration failed', { error: error as Error, stackId: req.StackId });
    const physicalId = req.PhysicalResourceId ?? `byob-${req.LogicalResourceId}`;
    handled = {
      response:
        req.RequestType === 'Delete'
          ? buildResponse(req, 'SUCCESS', 'ignored after an internal error', physicalId)
          : buildResponse(req, 'FAILED', 'The vendor could not record this registration; retry the stack in a few minutes.', physicalId),
    };
  }
  await (deps.sendCfnResponse ?? sendResponse)(req.ResponseURL, handled.response);
  if (handled.after) await handled.after();
  return handled.response;
};

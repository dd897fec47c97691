import type { S3Client } from '@aws-sdk/client-s3';
import { renderByobTemplate } from '../../templates/render-byob.js';
import type { ByobTemplateSpec } from '../../templates/spec.js';
import { DynamicReferenceError } from '../../templates/dynamic-references.js';
import { checkCallbackUrl } from '../webhooks/callback-url.js';
import { registrationTopicArn, stackEventsTopicArn, templatesBucketFor } from '../config.js';
import { corsRulesFor } from './cors.js';
import { isDependencyFailure } from '../aws/dependency-failure.js';
import { DependencyError, ValidationError } from '../errors.js';
import { stackNameFor } from '../ids.js';
import { logger } from '../logger.js';
import { type StackDeps, withFreshRecord } from './workflow.js';
import { type AdoptionDeps, adoptionFor, claimRetainedBucket } from './adoption.js';
import { hashToken, quickCreateUrl, registrationToken, withoutToken } from '../quick-create/link.js';
import type { ByobRecord } from './record.js';
import type { CreateByobRequest } from './request.js';
import { tenantSettings } from '../tenants/settings.js';
import { launchStack, type StackSettings } from './stacks.js';
import { dueAtFor } from './state-machine.js';
import { transition } from './transition.js';
import { templateUrlOf } from './template-store.js';
import { storeTemplate } from './template-upload.js';

/** What launching or updating a request's stack needs: its stack, and the vendor's templates bucket. */
export interface LaunchDeps extends StackDeps {
  /** The vendor's own S3 client for a region (templates bucket). */
  vendorS3(region: string): S3Client;
}

/** What creating a request needs: launching, and a look at a retained bucket. */
export interface CreateDeps extends LaunchDeps, AdoptionDeps {}

const generatedBucketName = (id: string, team: string | null) =>
  `byob-${(team ?? 'instance').slice(0, 40)}-${id.slice(-12).toLowerCase()}`.replace(/-+$/, '');

const activeKeyFor = (body: CreateByobRequest) => `${body.scope}#${body.team ?? '-'}`;

/** Checks that depend on configuration rather than on the body's shape. */
const checkAgainstConfig = (deps: CreateDeps, body: CreateByobRequest) => {
  const problems = [];
  if (!deps.config.supportedRegions.includes(body.region)) {
    problems.push({ path: 'region', message: `is not offered; supported regions: ${deps.config.supportedRegions.join(', ')}` });
  }
  if (body.callbackUrl) {
    const verdict = checkCallbackUrl(body.callbackUrl, { allowLoopback: deps.config.localMode });
    if (!verdict.ok) problems.push({ path: 'callbackUrl', message: verdict.reason });
  }
  if (problems.length) throw new ValidationError(problems);
};

/** Renders, turning a dynamic reference ({{resolve:…}}) that slipped past validation into a 400 naming the field. */
export const renderSafely = (spec: ByobTemplateSpec) => {
  try {
    return renderByobTemplate(spec);
  } catch (e) {
    if (!(e instanceof DynamicReferenceError)) throw e;
    throw new ValidationError(e.paths.map((p) => ({ path: p.replace(/^\$\.?/, '') || 'body', message: 'must not contain a CloudFormation dynamic reference ({{resolve:…}})' })));
  }
};

/** The bucket's encryption as the template states it: an adopted bucket keeps its own key (or SSE-S3). */
const encryptionSpecOf = (record: ByobRecord): ByobTemplateSpec['encryption'] => {
  if (record.adopted) return record.adopted.kmsKeyArn ? { type: 'sse-kms', kmsKeyArn: record.adopted.kmsKeyArn } : { type: 'sse-s3' };
  if (record.encryption.type === 'sse-s3') return { type: 'sse-s3' };
  return record.encryption.kmsKeyArn ? { type: 'sse-kms', kmsKeyArn: record.encryption.kmsKeyArn } : { type: 'sse-kms' };
};

/** The template spec of a request at the latest template version: request fields plus configuration, never raw input. */
export const templateSpecFor = (deps: Pick<CreateDeps, 'config'>, record: ByobRecord, externalId: string | null): ByobTemplateSpec => ({
  templateVersion: deps.config.templateVersion,
  requestId: record.id,
  tenant: record.tenant,
  scope: record.scope,
  team: record.team,
  bucketName: record.bucketName,
  region: record.region,
  vendor: deps.config.vendor,
  encryption: encryptionSpecOf(record),
  corsRules: record.corsRules,
  accessRole: record.accessRole && externalId ? { externalId } : null,
  tags: record.tags,
  quickCreate: record.launch.mode === 'quick-create' ? { registrationTopicArn: registrationTopicArn(deps.config, record.region) } : null,
  accessLogBucket: deps.config.accessLogBucket,
  adopted: record.adopted ? { fromRequestId: record.adopted.fromRequestId } : null,
});

/**
 * How the request's stack runs, on creation and on every update: stack notifications to the region's
 * topic, tags naming tenant and request, CAPABILITY_IAM for the access role, and the service role.
 */
export const stackSettingsFor = (deps: Pick<StackDeps, 'config'>, record: ByobRecord): StackSettings => ({
  notificationArns: [stackEventsTopicArn(deps.config, record.region)],
  tags: { 'byob:tenant': record.tenant, 'byob:request': record.id, 'byob:scope': record.scope, 'byob:team': record.team ?? 'instance', ...record.tags },
  capabilities: record.accessRole ? ['CAPABILITY_IAM'] : [],
  // Stacks in the vendor's own account run under the CloudFormation service role; customer stacks under their role.
  roleArn: record.launch.roleArn ? undefined : (deps.config.stackExecutionRoleArn ?? undefined),
});

/** CreateStack's largest TemplateBody (a direct request's template is passed as one). */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/**
 * The template a direct request's stack is launched with: the stored one's URL when the record names
 * one, else the template rendered from the record (as POST /byob rendered it), passed as TemplateBody.
 */
const launchTemplateOf = async (deps: StackDeps, record: ByobRecord, rendered?: string): Promise<{ url: string } | { body: string }> => {
  if (record.templateKey) return { url: templateUrlOf(record.templateBucket, record.region, record.templateKey) };
  return { body: rendered ?? JSON.stringify(renderSafely(templateSpecFor(deps, record, (await tenantSettings(deps, record.tenant)).externalId))) };
};

/**
 * Launches (or adopts) the request's stack: deterministic name, one ClientRequestToken per request,
 * and its {@link stackSettingsFor}. Safe to call again (the reconciler relaunches a request whose
 * launch was cut off, rendering its template again from the record). `rendered` is POST /byob's own
 * rendering, so it is not rendered twice.
 */
export const launchFor = async (deps: StackDeps, record: ByobRecord, rendered?: string): Promise<string> => {
  const { cfn } = await deps.clientsFor(record);
  return launchStack(cfn, {
    stackName: record.launch.stackName,
    template: await launchTemplateOf(deps, record, rendered),
    clientRequestToken: `create-${record.id.slice('byob_'.length)}`,
    requestId: record.id,
    ...stackSettingsFor(deps, record),
  });
};

/**
 * POST /byob: records the request (taking the team's slot, 409 if held), renders its template, then
 * launches the stack with it (direct: CreateStack's TemplateBody, nothing stored) or stores it and
 * hands out the quick-create link. A launch that fails
 * leaves a FAILED record that says why, never a half-made request. A launch cut off by AWS itself
 * (time-out, throttling, 5xx: CloudFormation may or may not have the stack) leaves the record PENDING,
 * accepted: the reconciler launches it again at its deadline with the same token and name, adopting
 * the stack if the first call made it.
 */
export const createByob = async (deps: CreateDeps, tenant: string, body: CreateByobRequest): Promise<ByobRecord> => {
  checkAgainstConfig(deps, body);
  if (body.launch.mode === 'quick-create' && !deps.config.quickCreateLinkKey) {
    throw new DependencyError('Quick-create is not configured on this deployment (QUICK_CREATE_LINK_KEY); use launch mode "direct".');
  }
  const settings = await tenantSettings(deps, tenant);
  const now = deps.clock();
  const id = deps.ids.requestId();
  const quick = body.launch.mode === 'quick-create';
  const expiresAt = new Date(now.getTime() + deps.config.quickCreateTtlHours * 3_600_000).toISOString();
  const fresh: ByobRecord = {
    tenant,
    id,
    status: 'PENDING',
    version: 1,
    scope: body.scope,
    team: body.team ?? null,
    region: body.region,
    bucketName: body.bucketName ?? generatedBucketName(id, body.team ?? null),
    encryption: body.encryption.type === 'sse-kms' && body.encryption.kmsKeyArn ? { type: 'sse-kms', kmsKeyArn: body.encryption.kmsKeyArn } : { type: body.encryption.type },
    corsRules: corsRulesFor(body.cors),
    accessRole: body.accessRole?.enabled ?? false,
    launch: {
      mode: body.launch.mode,
      roleArn: body.launch.mode === 'direct' ? (body.launch.roleArn ?? null) : null,
      stackName: stackNameFor(id),
      stackId: null,
      stackStatus: null,
    },
    quickCreate: null,
    templateKey: '',
    templateBucket: templatesBucketFor(deps.config, body.region),
    callback: body.callbackUrl
      ? { url: body.callbackUrl, status: 'idle', attempts: 0, lastAttemptAt: null, lastError: null, nextAttemptAt: null }
      : null,
    tags: body.tags ?? {},
    outputs: null,
    verification: null,
    failure: null,
    activeKey: activeKeyFor(body),
    templateVersion: deps.config.templateVersion,
    // A request stays PENDING only while this call runs; one still PENDING at this deadline was cut off
    // (a Lambda killed, AWS failing), and the reconciler takes it over.
    dueAt: dueAtFor('PENDING', now, null, deps.config.statusDeadlineMinutes),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  // Only a name the caller chose can be a retained bucket's (generated names carry the new request's id).
  const adopted = body.bucketName ? await adoptionFor(deps, fresh) : null;
  const record: ByobRecord = adopted ? { ...fresh, adopted } : fresh;
  const templateBody = JSON.stringify(renderSafely(templateSpecFor(deps, record, settings.externalId)));
  if (!quick && Buffer.byteLength(templateBody, 'utf8') > MAX_TEMPLATE_BODY_BYTES) {
    throw new ValidationError([{ path: 'body', message: `renders a template of more than ${MAX_TEMPLATE_BODY_BYTES} bytes, CloudFormation's limit: fewer tags or CORS origins` }]);
  }
  await deps.store.create(record);
  if (record.adopted && !(await claimRetainedBucket(deps, { ...record, adopted: record.adopted }))) {
    return transition(deps, record, 'FAILED', {
      failure: { code: 'bucket_adopted', message: `Bucket ${record.bucketName} was adopted by another request of yours at the same time; delete that one first.`, resource: null },
    });
  }

  if (quick) {
    // The console reads a quick-create template from S3.
    let stored;
    try {
      stored = await storeTemplate(deps.vendorS3(record.region), { bucket: record.templateBucket, region: record.region, requestId: id, nonce: deps.ids.token(18), body: templateBody });
    } catch (error) {
      logger.error('template upload failed', { requestId: id, error: error as Error });
      return transition(deps, record, 'FAILED', {
        failure: { code: 'template_store_failed', message: 'The template could not be stored; create the request again.', resource: null },
      });
    }
    const withTemplate = await deps.store.patch(record, { templateKey: stored.key }, deps.clock().toISOString());
    let url: string;
    let tokenHash: string;
    try {
      // Built with the token so the console's length limit is checked on the real link; stored without it.
      const token = registrationToken(deps.config.quickCreateLinkKey!, id);
      url = withoutToken(quickCreateUrl({ region: record.region, templateUrl: stored.url, stackName: record.launch.stackName, token }));
      tokenHash = hashToken(token);
    } catch (error) {
      // Not the caller's doing (bucket prefix or region too long for the console): fail the request, free the team.
      logger.error('quick-create link could not be built', { requestId: id, error: error as Error });
      return transition(deps, withTemplate, 'FAILED', {
        failure: { code: 'quick_create_link_failed', message: 'The quick-create link could not be built; use launch mode "direct" or contact the vendor.', resource: null },
      });
    }
    const awaiting = await transition(deps, withTemplate, 'AWAITING_CUSTOMER', {
      quickCreate: { url, expiresAt, tokenHash, boundAccountId: null },
    });
    await deps.deliverNow(awaiting).catch(() => undefined);
    return awaiting;
  }

  let stackId: string;
  try {
    stackId = await launchFor(deps, record, templateBody);
  } catch (e) {
    if (isDependencyFailure(e)) {
      logger.warn('launch cut off by AWS; the reconciler takes the request over', { requestId: id, error: e as Error });
      return record;
    }
    const message = e instanceof Error ? e.message.slice(0, 500) : 'CreateStack failed';
    const failed = await withFreshRecord(deps, tenant, id, async (r) =>
      r.status === 'PENDING' ? transition(deps, r, 'FAILED', { failure: { code: 'launch_failed', message, resource: null } }) : null,
    );
    return failed ?? record;
  }
  // Stack events may already have moved the record on (the emulator's CreateStack is synchronous).
  const launched = await withFreshRecord(deps, tenant, id, async (r) =>
    r.status === 'PENDING' ? transition(deps, r, 'CREATING', { launch: { ...r.launch, stackId, stackStatus: 'CREATE_IN_PROGRESS' } }) : null,
  );
  return launched ?? record;
};

import * as z from 'zod/mini';
import { REQUEST_ID_PATTERN } from '../identifiers.js';
import { IDEMPOTENCY_TTL_SECONDS } from './idempotency.js';
import { CreateByobRequest } from '../provisioning/request.js';
import { ByobView } from '../provisioning/view.js';
import { VerifyExistingRequest } from '../verify/existing.js';
import { ListQuery } from './route-params.js';
import { OnboardingView } from '../onboarding/view.js';
import { ONBOARDING_TOKEN_PATTERN } from '../onboarding/token.js';
import { mergePatchDocument } from '../updates/merge-patch.js';
import { BulkUpgradeRequest } from '../updates/bulk-upgrade.js';

const schema = (s: z.core.$ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** One change of a change set, as the answers list it. */
const resourceChange = {
  type: 'object',
  required: ['action', 'logicalId', 'resourceType', 'replacement'],
  properties: { action: { type: 'string' }, logicalId: { type: 'string' }, resourceType: { type: 'string' }, replacement: { enum: ['True', 'False', 'Conditional', null] } },
};

const problem = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
    existingId: { type: 'string', description: 'On 409 for a second active request: the id of the active one.' },
    offendingResources: {
      type: 'array',
      description: 'On 409 for a refused update: each change of its change set that would replace or remove the bucket, the key or the vendor\'s grant.',
      items: { ...resourceChange, required: [...resourceChange.required, 'why'], properties: { ...resourceChange.properties, why: { type: 'string' } } },
    },
  },
};

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `errors` names each bad field',
  401: 'Missing, invalid or expired bearer token',
  404: 'No such request for this tenant (another tenant\'s id answers exactly like a missing one)',
  409: 'Conflicts with the current state (`existingId` names the active request of the team; `offendingResources` lists what a refused update would replace or remove), or the same Idempotency-Key is still in flight',
  412: 'If-Match names a revision the request has moved on from: nothing was done; read it again (GET) and send its ETag',
  413: 'Body larger than 16 KB',
  415: 'Body is not application/json',
  422: 'The Idempotency-Key was already used with a different body',
  429: 'Too many requests for this tenant; retry after `Retry-After` seconds',
  503: 'AWS is slow or unavailable (or a feature is not configured); retry after `Retry-After` seconds',
};

const RETRY_AFTER: Record<number, string> = {
  429: 'Seconds until the tenant\'s window resets.',
  503: 'Seconds to wait before trying again.',
};
const retryAfter = (code: number) => ({ 'Retry-After': { description: RETRY_AFTER[code], required: true, schema: { type: 'string', pattern: '^[0-9]+$' } } });

const problems = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description: PROBLEM_DESCRIPTIONS[c] ?? 'Problem',
        ...(RETRY_AFTER[c] ? { headers: retryAfter(c) } : {}),
        content: { 'application/problem+json': { schema: ref('Problem') } },
      },
    ]),
  );

const json = (name: string, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
/** An answer carrying one record, with its revision as ETag. */
const record = (description: string) => ({
  ...json('Byob', description),
  headers: { ETag: { description: 'The record\'s revision: it moves with the status and with what PATCH changes (not with webhook delivery or schedule bookkeeping); send it as If-Match to change exactly this revision.', required: true, schema: { type: 'string' } } },
});
const ifMatchParam = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag of the revision read (or `*`): a request that has changed since answers 412 and nothing is done.',
  schema: { type: 'string' },
};
const body = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: REQUEST_ID_PATTERN.source } };
const secured = [{ bearer: [] }];
/** Problems every authenticated route can answer. */
const AUTHED = [401, 429, 503] as const;

/** The public onboarding routes: the signed link is the credential, no bearer token. */
const onboardingParams = [
  { ...idParam, description: 'The request id from the onboarding link.' },
  { name: 't', in: 'query', required: true, description: 'The link\'s signed token (expiry, epoch, HMAC).', schema: { type: 'string', pattern: ONBOARDING_TOKEN_PATTERN.source } },
];
const ONBOARDING_FAILURES: Record<number, string> = {
  404: 'The link is not valid (altered, or for no request): no data',
  410: 'The link expired or was withdrawn (POST /byob/{id}/onboarding/revoke): no data',
  503: 'The onboarding page is not configured, or a dependency is unavailable',
};
const onboardingFailures = (type: string) =>
  Object.fromEntries(
    Object.entries(ONBOARDING_FAILURES).map(([code, description]) => [
      code,
      { description, ...(RETRY_AFTER[Number(code)] ? { headers: retryAfter(Number(code)) } : {}), content: { [type]: { schema: type === 'text/html' ? { type: 'string' } : ref('Problem') } } },
    ]),
  );

const listQuery = schema(ListQuery, 'input') as { properties: Record<string, unknown> };

const check = {
  type: 'object',
  required: ['id', 'status', 'detail'],
  properties: { id: { type: 'string' }, status: { enum: ['passed', 'failed', 'warning'] }, detail: { type: 'string' }, remediation: { type: 'string' } },
};

/** The OpenAPI 3.1 document, generated from the zod schemas that validate requests. */
export const openApiDocument = () => ({
  openapi: '3.1.0',
  info: {
    title: 'BYOB provisioning API',
    version: '1.0.0',
    description:
      'Provision an S3 bucket and KMS key in a customer AWS account by one call or one click. Every error of the JSON ' +
      'routes is application/problem+json; the onboarding page answers HTML, its errors too.' +
      ` An Idempotency-Key on POST /byob is remembered for ${IDEMPOTENCY_TTL_SECONDS / 3600} hours per tenant.`,
  },
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      CreateByobRequest: schema(CreateByobRequest, 'input'),
      VerifyExistingRequest: schema(VerifyExistingRequest, 'input'),
      Byob: schema(ByobView, 'output'),
      ByobPatch: schema(mergePatchDocument(), 'input'),
      BulkUpgradeRequest: schema(BulkUpgradeRequest, 'input'),
      BulkUpgradeResult: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'templateVersion', 'toVersion', 'result', 'changes'],
              properties: {
                id: { type: 'string' },
                templateVersion: { type: 'string', description: 'The version the request\'s stack ran when the call began.' },
                toVersion: { type: 'string', description: 'The latest template version.' },
                result: {
                  enum: ['started', 'refused', 'skipped', 'failed', 'would_update', 'would_refuse'],
                  description:
                    'started: the upgrade runs as POST /byob/{id}/upgrade starts it (the request is UPDATING, or already back on the new version when its change set had nothing to change); ' +
                    'refused: its change set would replace or remove the bucket, the key or the vendor\'s grant (`problem.offendingResources`), and was deleted; ' +
                    'skipped: busy (another update in flight), or quick-create (the customer applies `pendingUpdate`); failed: see `problem`. ' +
                    'A dry run: would_update or would_refuse, from a change set made, described and deleted; nothing executed, the request untouched.',
                },
                changes: {
                  type: ['array', 'null'],
                  description: 'The change set\'s changes, when CloudFormation described them in time.',
                  items: resourceChange,
                },
                problem: { ...ref('Problem'), description: 'Why it was refused, skipped or failed, as the single routes answer it.' },
                pendingUpdate: { $ref: '#/components/schemas/Byob/properties/pendingUpdate', description: 'Quick-create: the update offered to the customer.' },
              },
            },
          },
          nextCursor: { type: ['string', 'null'], description: 'Send it as `cursor` for the next batch; null when every request was looked at.' },
        },
      },
      OnboardingView: schema(OnboardingView, 'output'),
      ByobList: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: ref('Byob') }, nextCursor: { type: ['string', 'null'] } } },
      VerifyExistingResult: {
        type: 'object',
        required: ['target', 'verification'],
        properties: {
          target: { type: 'object', required: ['kind', 'region'], properties: { kind: { enum: ['aws', 's3-compatible'] }, region: { type: 'string' } } },
          verification: {
            type: 'object',
            required: ['status', 'checkedAt', 'checks', 'skipped'],
            properties: {
              status: { enum: ['passed', 'failed', 'warning'] },
              checkedAt: { type: 'string' },
              durationMs: { type: 'number' },
              checks: { type: 'array', items: check },
              skipped: { type: 'array', items: { type: 'object' } },
            },
          },
        },
      },
      Settings: {
        type: 'object',
        required: ['externalId', 'vendorAccountId', 'webhookSecret', 'webhookSecrets', 'updatedAt'],
        properties: {
          externalId: { type: 'string' },
          vendorAccountId: { type: 'string' },
          webhookSecret: { type: 'string' },
          webhookSecrets: { type: 'array', items: { type: 'string' } },
          updatedAt: { type: 'string' },
        },
      },
      Problem: problem,
    },
  },
  paths: {
    '/byob': {
      post: {
        operationId: 'createByob',
        security: secured,
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: `Same key and body within ${IDEMPOTENCY_TTL_SECONDS / 3600} h: the stored answer, no second stack.`,
            schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
          },
        ],
        requestBody: body('CreateByobRequest'),
        responses: {
          '202': {
            ...json('Byob', 'Accepted: the request record'),
            headers: { Location: { description: 'The record\'s URL', required: true, schema: { type: 'string' } } },
            links: Object.fromEntries(
              ['getByob', 'getByobTemplate', 'reverifyByob', 'redeliverCallbacks', 'revokeOnboarding', 'deleteByob'].map((operationId) => [
                operationId.charAt(0).toUpperCase() + operationId.slice(1),
                { operationId, parameters: { id: '$response.body#/id' } },
              ]),
            ),
          },
          ...problems(400, 409, 413, 415, 422, ...AUTHED),
        },
      },
      get: {
        operationId: 'listByob',
        security: secured,
        parameters: Object.entries(listQuery.properties).map(([name, s]) => ({ name, in: 'query', required: false, schema: s })),
        responses: { '200': json('ByobList', 'The tenant\'s requests, newest first'), ...problems(400, ...AUTHED) },
      },
    },
    '/byob/{id}': {
      get: { operationId: 'getByob', security: secured, parameters: [idParam], responses: { '200': record('The request record'), ...problems(404, ...AUTHED) } },
      patch: {
        operationId: 'patchByob',
        security: secured,
        parameters: [idParam, ifMatchParam],
        description:
          'A JSON merge patch (RFC 7396) of `cors`, `tags`, `accessRole` and `callbackUrl` of a READY or DEGRADED request. A change of the stack\'s ' +
          'template re-renders it at the latest template version and updates the stack through a change set (direct mode), which is refused (409) ' +
          'if it would replace or remove the bucket, the key or the vendor\'s grant; the request is UPDATING until `lastUpdate` says how it ended. ' +
          '`callbackUrl` changes only the record. Immutable (`region`, `bucketName`, `encryption`, `scope`, `team`, `launch`) and read-only fields are ' +
          'a 400 naming each, and nothing is done. Quick-create: the stack runs in the customer\'s account, so the update is offered to them ' +
          '(`pendingUpdate`: the new template and how to apply it) and the request stays READY, with `updateAvailable`, until their stack applies it ' +
          '(then UPDATING → VERIFYING → READY, `lastUpdate`); a further patch builds on the offered fields and replaces the offer.',
        requestBody: { required: true, content: { 'application/merge-patch+json': { schema: ref('ByobPatch') }, 'application/json': { schema: ref('ByobPatch') } } },
        responses: {
          '200': record('The patch changes nothing: the request record'),
          '202': record('Accepted: the request record (UPDATING while its stack is updated)'),
          ...problems(400, 404, 409, 412, 413, 415, ...AUTHED),
        },
      },
      delete: {
        operationId: 'deleteByob',
        security: secured,
        parameters: [idParam, ifMatchParam],
        description: 'Tears the stack down; the bucket and key are always retained.',
        responses: { '202': record('Deletion started (or done): the request record'), ...problems(404, 409, 412, ...AUTHED) },
      },
    },
    '/byob/{id}/upgrade': {
      post: {
        operationId: 'upgradeByob',
        security: secured,
        parameters: [idParam, ifMatchParam],
        description:
          'Updates the stack of a READY or DEGRADED direct-mode request to the same request rendered at the latest template version, through a ' +
          'change set refused (409) if it would replace or remove the bucket, the key or the vendor\'s grant. Quick-create: offers the update to the ' +
          'customer (`pendingUpdate`), as PATCH does; the request stays READY until their stack applies it.',
        responses: { '202': record('Accepted: the request record (UPDATING while its stack is updated)'), ...problems(404, 409, 412, ...AUTHED) },
      },
    },
    '/byob/upgrade': {
      post: {
        operationId: 'upgradeAllByob',
        security: secured,
        description:
          'Upgrades the tenant\'s READY and DEGRADED requests on an older template version, newest first, at most `limit` (1–25, default 10) a call, 4 at a time: ' +
          'each direct-mode request exactly as POST /byob/{id}/upgrade does, or with `dryRun` a change set made, described and deleted (its changes, and ' +
          'whether it would be refused; nothing executed, the request untouched). Quick-create requests are skipped with the update offered to the customer. ' +
          'Requests not started in time are left to the next call: send `nextCursor` as `cursor` until it is null.',
        requestBody: { required: false, content: { 'application/json': { schema: ref('BulkUpgradeRequest') } } },
        responses: { '200': json('BulkUpgradeResult', 'What happened to each request of the batch'), ...problems(400, 413, 415, ...AUTHED) },
      },
    },
    '/byob/{id}/template': {
      get: {
        operationId: 'getByobTemplate',
        security: secured,
        parameters: [idParam],
        description: "The template the request's stack runs: a direct stack's as CloudFormation has it (after every update), a quick-create request's as stored for its link. A direct request still being launched answers 409 for a few seconds.",
        responses: { '200': { description: 'The CloudFormation template', content: { 'application/json': { schema: { type: 'object' } } } }, ...problems(404, 409, ...AUTHED) },
      },
    },
    '/byob/{id}/verify': {
      post: {
        operationId: 'reverifyByob',
        security: secured,
        parameters: [idParam, ifMatchParam],
        responses: { '200': record('The record with the new verification'), ...problems(404, 409, 412, ...AUTHED) },
      },
    },
    '/byob/{id}/callbacks/redeliver': {
      post: {
        operationId: 'redeliverCallbacks',
        security: secured,
        parameters: [idParam, ifMatchParam],
        responses: { '202': record('Undelivered webhooks requeued: the request record'), ...problems(404, 412, ...AUTHED) },
      },
    },
    '/byob/{id}/onboarding/revoke': {
      post: {
        operationId: 'revokeOnboarding',
        security: secured,
        parameters: [idParam],
        description: 'Withdraws every onboarding page link issued so far (they answer 410); the answer carries a new one.',
        responses: { '200': record('Links withdrawn: the request record with a new onboardingUrl'), ...problems(404, ...AUTHED) },
      },
    },
    '/onboarding/{id}': {
      get: {
        operationId: 'onboardingPage',
        security: [],
        parameters: onboardingParams,
        description: 'The customer\'s onboarding page (public, read-only): what the stack creates, the Launch Stack link, progress, checks and outputs.',
        responses: { '200': { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } }, ...onboardingFailures('text/html') },
      },
    },
    '/onboarding/{id}/status': {
      get: {
        operationId: 'onboardingStatus',
        security: [],
        parameters: onboardingParams,
        description: 'What the onboarding page shows, for its script to refresh from (public, read-only, same token).',
        responses: { '200': json('OnboardingView', 'The page\'s view of the request'), ...onboardingFailures('application/problem+json') },
      },
    },
    '/assets/{file}': {
      get: {
        operationId: 'onboardingAsset',
        security: [],
        parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
        description: 'The onboarding page\'s script and stylesheet, under names that carry their hash (cached for a year).',
        responses: {
          '200': { description: 'The file', content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } },
          '404': { description: 'No such file', content: { 'application/problem+json': { schema: ref('Problem') } } },
        },
      },
    },
    '/byob/verify': {
      post: {
        operationId: 'verifyExistingBucket',
        security: secured,
        requestBody: body('VerifyExistingRequest'),
        responses: { '200': json('VerifyExistingResult', 'The checks of the bucket'), ...problems(400, 413, 415, ...AUTHED) },
      },
    },
    '/byob/settings': {
      get: { operationId: 'getSettings', security: secured, responses: { '200': json('Settings', 'Tenant settings'), ...problems(...AUTHED) } },
    },
    '/byob/settings/rotate-webhook-secret': {
      post: { operationId: 'rotateWebhookSecret', security: secured, responses: { '200': json('Settings', 'Tenant settings after rotation'), ...problems(...AUTHED) } },
    },
  },
});

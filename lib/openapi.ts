import { z } from 'zod';
import { ByobView, CreateByobRequest, ListQuery } from './schemas.js';

const schema = (s: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
};

const problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
    existingId: { type: 'string' },
  },
};

const problems = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } }]));

const json = (ref: string, description: string) => ({ description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^byob_[0-9A-HJKMNP-TV-Z]{26}$' } };
const secured = [{ bearer: [] }];

const listQuery = schema(ListQuery, 'input') as { properties: Record<string, unknown> };

/** The OpenAPI 3.1 document, generated from the zod schemas that validate requests. */
export const openApiDocument = () => ({
  openapi: '3.1.0',
  info: { title: 'BYOB provisioning API', version: '1.0.0', description: 'Provision an S3 bucket and KMS key in a customer AWS account by one call or one click.' },
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      CreateByobRequest: schema(CreateByobRequest, 'input'),
      Byob: schema(ByobView, 'output'),
      ByobList: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Byob' } }, nextCursor: { type: ['string', 'null'] } } },
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
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } }],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateByobRequest' } } } },
        responses: {
          '202': {
            ...json('Byob', 'Accepted: the request record'),
            links: { GetByob: { operationId: 'getByob', parameters: { id: '$response.body#/id' } } },
          },
          ...problems(400, 401, 409, 413, 415, 422, 503),
        },
      },
      get: {
        operationId: 'listByob',
        security: secured,
        parameters: Object.entries(listQuery.properties).map(([name, s]) => ({ name, in: 'query', required: false, schema: s })),
        responses: { '200': json('ByobList', 'The tenant\'s requests, newest first'), ...problems(400, 401) },
      },
    },
    '/byob/{id}': {
      get: { operationId: 'getByob', security: secured, parameters: [idParam], responses: { '200': json('Byob', 'The request record'), ...problems(401, 404) } },
    },
    '/byob/{id}/template': {
      get: {
        operationId: 'getByobTemplate',
        security: secured,
        parameters: [idParam],
        responses: { '200': { description: 'The rendered CloudFormation template', content: { 'application/json': { schema: { type: 'object' } } } }, ...problems(401, 404) },
      },
    },
    '/byob/settings': {
      get: { operationId: 'getSettings', security: secured, responses: { '200': json('Settings', 'Tenant settings'), ...problems(401) } },
    },
    '/byob/settings/rotate-webhook-secret': {
      post: { operationId: 'rotateWebhookSecret', security: secured, responses: { '200': json('Settings', 'Tenant settings after rotation'), ...problems(401) } },
    },
  },
});

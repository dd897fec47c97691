import * as z from 'zod/mini';
import { Status } from './state-machine.js';
import '../validation/messages.js';

// The shape of every answer that shows a request. Only the OpenAPI document builds this schema
// (scripts/openapi.ts); the routes build views with toView (record.ts) and import only its type, so
// no handler constructs it at start-up.

const Check = z.object({
  id: z.string(),
  status: z.enum(['passed', 'failed', 'warning']),
  detail: z.string(),
  remediation: z.optional(z.string()),
  /** AWS CLI commands, run as the bucket owner, that restore what the check expects and keep everything else. */
  commands: z.optional(z.array(z.string())),
});

const Drift = z.object({
  status: z.enum(['IN_SYNC', 'DRIFTED', 'UNKNOWN']),
  checkedAt: z.string(),
  resources: z.array(
    z.object({
      logicalId: z.string(),
      resourceType: z.string(),
      status: z.enum(['IN_SYNC', 'MODIFIED', 'DELETED', 'NOT_CHECKED', 'UNKNOWN']),
      differences: z.array(
        z.object({ path: z.string(), type: z.enum(['ADD', 'REMOVE', 'NOT_EQUAL']), expected: z.nullable(z.string()), actual: z.nullable(z.string()) }),
      ),
    }),
  ),
  detail: z.optional(z.string()),
});

const ResourceChange = z.object({
  action: z.string().register(z.globalRegistry, { description: 'CloudFormation\'s action: Add, Modify, Remove, …' }),
  logicalId: z.string(),
  resourceType: z.string(),
  replacement: z.nullable(z.enum(['True', 'False', 'Conditional'])),
});

const LastUpdate = z.union([
  z.object({ status: z.literal('succeeded'), fromVersion: z.string(), toVersion: z.string(), changes: z.array(ResourceChange), at: z.string() }),
  z.object({ status: z.literal('failed'), reason: z.string(), resource: z.nullable(z.string()), fromVersion: z.string(), toVersion: z.string(), at: z.string() }),
]);

const PendingUpdate = z.object({
  id: z.string(),
  toVersion: z.string(),
  offeredAt: z.string(),
  templateUrl: z.string().register(z.globalRegistry, { description: 'The new template (the Amazon S3 URL the Update stack wizard asks for).' }),
  consoleUrl: z.string().register(z.globalRegistry, {
    description: 'Opens CloudFormation\'s Update stack wizard for the stack with the new template selected. AWS does not document this link: `stackUrl` and `steps` are the documented way.',
  }),
  stackUrl: z.string().register(z.globalRegistry, { description: 'The stack\'s page in the CloudFormation console.' }),
  instructions: z.string(),
  steps: z.array(z.string()),
});

/** The public view of a BYOB request (GET /byob/{id}). */
export const ByobView = z.object({
  id: z.string(),
  status: Status,
  scope: z.enum(['team', 'instance']),
  team: z.nullable(z.string()),
  region: z.string(),
  bucketName: z.string(),
  encryption: z.object({ type: z.enum(['sse-kms', 'sse-s3']), kmsKeyArn: z.optional(z.string()) }),
  launch: z.object({
    mode: z.enum(['direct', 'quick-create']),
    roleArn: z.nullable(z.string()),
    stackName: z.string(),
    stackId: z.nullable(z.string()),
    stackStatus: z.nullable(z.string()),
  }),
  quickCreateUrl: z.nullable(z.string()),
  quickCreateExpiresAt: z.nullable(z.string()),
  onboardingUrl: z.nullable(z.string()).register(z.globalRegistry, {
    description: 'The customer\'s onboarding page (no bearer token needed; expires, revocable). Present in authenticated answers, never in webhooks.',
  }),
  outputs: z.nullable(
    z.object({
      bucketName: z.string(),
      bucketArn: z.string(),
      kmsKeyArn: z.nullable(z.string()),
      region: z.string(),
      roleArn: z.nullable(z.string()),
      accountId: z.nullable(z.string()),
    }),
  ),
  adopted: z.nullable(z.object({ bucketName: z.string(), kmsKeyArn: z.nullable(z.string()), fromRequestId: z.string() })).register(z.globalRegistry, {
    description: 'Set when the request adopted the bucket (and key) an earlier request of the tenant retained on DELETE, instead of creating them: its stack only grants on them.',
  }),
  verification: z.nullable(z.object({ status: z.enum(['passed', 'failed', 'warning']), checkedAt: z.string(), checks: z.array(Check) })),
  /** The last drift detection of the stack (direct mode); null where the stack is not in reach or not yet checked. */
  drift: z.nullable(Drift),
  failure: z.nullable(z.object({ code: z.string(), message: z.string(), resource: z.nullable(z.string()) })),
  callback: z.nullable(
    z.object({
      url: z.string(),
      status: z.enum(['idle', 'pending', 'delivered', 'failed', 'gone']),
      attempts: z.number(),
      lastAttemptAt: z.nullable(z.string()),
      lastError: z.nullable(z.string()),
      nextAttemptAt: z.nullable(z.string()),
    }),
  ),
  tags: z.record(z.string(), z.string()),
  templateVersion: z.string().register(z.globalRegistry, { description: 'The template version the request\'s stack runs.' }),
  latestTemplateVersion: z.string().register(z.globalRegistry, { description: 'The version new stacks and updates are rendered at (POST /byob/{id}/upgrade).' }),
  updateAvailable: z.boolean().register(z.globalRegistry, {
    description:
      'templateVersion is older than latestTemplateVersion, or (quick-create) an update waits for the customer to apply it (false once the request failed, expired or is deleted: there is no stack to update).',
  }),
  lastUpdate: z.nullable(LastUpdate).register(z.globalRegistry, {
    description: 'How the last PATCH or upgrade of the stack ended: its change set\'s changes, or why it failed (the stack and the request then keep what they had).',
  }),
  pendingUpdate: z.nullable(PendingUpdate).register(z.globalRegistry, {
    description:
      'Quick-create: the update offered by the last PATCH or upgrade, which the customer applies to the stack in their account (the request stays READY or DEGRADED until they do); null when none waits.',
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** The public record. */
export type ByobView = z.infer<typeof ByobView>;

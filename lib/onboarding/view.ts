import * as z from 'zod/mini';
import { Status } from '../provisioning/state-machine.js';
import '../validation/messages.js';

const CheckStatus = z.enum(['passed', 'failed', 'warning']);

/**
 * What the customer's onboarding page shows of a request (GET /onboarding/{id}/status), in plain
 * language where it is prose. A projection, not the record: no tenant, webhook, token hash or other
 * request appears in it; the registration token only inside `launch.url`, the link the customer clicks.
 */
export const OnboardingView = z.object({
  id: z.string(),
  status: Status,
  /** One sentence on where the request stands and what happens next. */
  statusText: z.string(),
  /** Nothing will change without someone acting: the page stops polling. */
  settled: z.boolean(),
  updatedAt: z.string(),
  vendor: z.object({ name: z.string(), accountId: z.string() }),
  launch: z.object({
    mode: z.enum(['direct', 'quick-create']),
    /** The Launch Stack link, while the request waits for the customer; null otherwise. */
    url: z.nullable(z.string()),
    expiresAt: z.nullable(z.string()),
    /** What the customer must acknowledge in the console (CAPABILITY_IAM when a role is included). */
    capabilities: z.array(z.string()),
    stackName: z.string(),
  }),
  bucket: z.object({
    name: z.string(),
    region: z.string(),
    encryption: z.string(),
    cors: z.array(z.string()),
    tags: z.array(z.object({ key: z.string(), value: z.string() })),
  }),
  /** Who gets which access: one sentence per principal, with the exact IAM actions. */
  access: z.array(z.object({ summary: z.string(), actions: z.array(z.string()) })),
  retention: z.string(),
  timeline: z.array(z.object({ status: z.string(), label: z.string(), state: z.enum(['done', 'current', 'failed', 'upcoming']) })),
  verification: z.nullable(
    z.object({
      status: CheckStatus,
      checkedAt: z.string(),
      checks: z.array(
        z.object({
          id: z.string(),
          label: z.string(),
          status: CheckStatus,
          detail: z.string(),
          remediation: z.nullable(z.string()),
          /** CLI commands that restore the setting, when verification provides them. */
          commands: z.array(z.string()),
        }),
      ),
    }),
  ),
  outputs: z.array(z.object({ name: z.string(), label: z.string(), value: z.string() })),
  failure: z.nullable(z.string()),
});

/** The onboarding page's projection of a request. */
export type OnboardingView = z.infer<typeof OnboardingView>;

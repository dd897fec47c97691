import * as z from 'zod/mini';
import { type FieldProblem, ValidationError } from '../errors.js';
import { fieldProblems } from '../http/http-handler.js';
import { corsBlockOf, corsRulesFor } from '../provisioning/cors.js';
import type { ByobRecord, TemplateFields } from '../provisioning/record.js';
import { AccessRole, CallbackUrl, Cors, CorsOrigins, CorsPreset, Tags } from '../provisioning/request.js';
import { checkCallbackUrl } from '../webhooks/callback-url.js';
import '../validation/messages.js';

/** Body of PATCH /byob/{id}: a JSON object, applied as an RFC 7396 merge patch by {@link patchedFields}. */
export const MergePatch = z.record(z.string(), z.unknown());

const orNull = <S extends z.core.$ZodType>(s: S) => z.optional(z.nullable(s));

/** A merge patch of an object: every member optional, null removes it. */
const memberwise = (o: typeof CorsOrigins | typeof CorsPreset) =>
  z.strictObject(Object.fromEntries(Object.entries(o._zod.def.shape).map(([k, v]) => [k, orNull(v as z.core.$ZodType)])));

/**
 * The shape of a PATCH body, for the OpenAPI document only (what a patch may say; whether the result
 * is a valid request is {@link patchedFields}'s to check against the record).
 */
export const mergePatchDocument = /* @__NO_SIDE_EFFECTS__ */ () =>
  z.strictObject({
    cors: orNull(z.union([memberwise(CorsOrigins), memberwise(CorsPreset)])).register(z.globalRegistry, {
      description: 'Merged into the current CORS block (RFC 7396): a member set to null goes back to its default.',
    }),
    tags: orNull(z.record(z.string(), z.nullable(z.string()))).register(z.globalRegistry, { description: 'Merged into the current tags: a tag set to null is removed.' }),
    accessRole: orNull(AccessRole),
    callbackUrl: orNull(CallbackUrl).register(z.globalRegistry, { description: 'null removes it (and closes the webhooks still waiting to be sent).' }),
  });

/** The fields a patch may change. */
export const MUTABLE_FIELDS = ['cors', 'tags', 'accessRole', 'callbackUrl'] as const;

/** Fields fixed when the request is created: changing one would be another bucket, key, account or team. */
export const IMMUTABLE_FIELDS = ['region', 'bucketName', 'encryption', 'scope', 'team', 'launch'] as const;

/** Fields of the view (lib/provisioning/view.ts) that the API alone writes. */
export const READ_ONLY_FIELDS = [
  'id',
  'status',
  'quickCreateUrl',
  'quickCreateExpiresAt',
  'onboardingUrl',
  'outputs',
  'verification',
  'drift',
  'failure',
  'callback',
  'templateVersion',
  'latestTemplateVersion',
  'updateAvailable',
  'lastUpdate',
  'adopted',
  'pendingUpdate',
  'createdAt',
  'updatedAt',
] as const;

const has = (list: readonly string[], key: string) => list.includes(key);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7396: `patch` applied to `target` (null removes a member; a non-object patch replaces the target). */
export const applyMergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
};

// The mutable part of POST /byob's body, with its schemas (and so its messages); `cors` stays required.
const Patchable = z.strictObject({ cors: Cors, tags: z.optional(Tags), accessRole: z.optional(AccessRole), callbackUrl: z.optional(CallbackUrl) });

/** What a patch asks the request to become. */
export interface PatchedFields {
  /** The fields its stack's template is rendered from. */
  template: TemplateFields;
  callbackUrl: string | null;
}

/** The request's mutable fields as POST /byob's body would say them now, absent ones left out. */
const mutableNow = (r: ByobRecord): Record<string, unknown> => {
  const cors = corsBlockOf(r.corsRules);
  return { ...(cors ? { cors } : {}), tags: r.tags, accessRole: { enabled: r.accessRole }, ...(r.callback ? { callbackUrl: r.callback.url } : {}) };
};

/**
 * What the request becomes under a merge patch: the patch is applied to its mutable fields as POST
 * /byob would state them, and the result checked with POST /byob's schemas and callback rules. Throws
 * one ValidationError naming every problem: each immutable, read-only or unknown field and each bad value.
 */
export const patchedFields = (record: ByobRecord, patch: Record<string, unknown>, opts: { allowLoopback: boolean }): PatchedFields => {
  const problems: FieldProblem[] = [];
  const mutable: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (has(MUTABLE_FIELDS, key)) mutable[key] = value;
    else if (has(IMMUTABLE_FIELDS, key)) problems.push({ path: key, message: 'cannot be changed: it is fixed when the request is created (create a new request instead)' });
    else if (has(READ_ONLY_FIELDS, key)) problems.push({ path: key, message: 'is read-only' });
    else problems.push({ path: key, message: 'is not a known field' });
  }
  const merged = applyMergePatch(mutableNow(record), mutable) as Record<string, unknown>;
  const parsed = z.safeParse(Patchable, merged);
  if (!parsed.success) problems.push(...fieldProblems(parsed.error));
  if (typeof merged.callbackUrl === 'string' && !problems.some((p) => p.path === 'callbackUrl')) {
    const verdict = checkCallbackUrl(merged.callbackUrl, { allowLoopback: opts.allowLoopback });
    if (!verdict.ok) problems.push({ path: 'callbackUrl', message: verdict.reason });
  }
  if (problems.length || !parsed.success) throw new ValidationError(problems);
  const wanted = parsed.data;
  return {
    template: { corsRules: corsRulesFor(wanted.cors), tags: wanted.tags ?? {}, accessRole: wanted.accessRole?.enabled ?? false },
    callbackUrl: wanted.callbackUrl ?? null,
  };
};

import { ConflictError } from '../errors.js';
import type { Ids } from '../ids.js';
import { type Store, type TenantSettings } from '../provisioning/store.js';
import { generateWebhookSecret } from '../webhooks/signing.js';
import type { Clock } from '../clock.js';
import { StaleRecordError } from '../provisioning/stale-record.js';

/** How long a rotated-out webhook secret keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** The tenant's settings, created on first use (ExternalId and webhook secret are generated, never taken from a request). */
export const tenantSettings = async (deps: { store: Store; ids: Ids; clock: Clock }, tenant: string): Promise<TenantSettings> => {
  const existing = await deps.store.getSettings(tenant);
  if (existing) return existing;
  const now = deps.clock().toISOString();
  const fresh: TenantSettings = {
    tenant,
    externalId: `byob-${deps.ids.token(24)}`,
    webhookSecrets: [{ secret: generateWebhookSecret(), createdAt: now }],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  try {
    await deps.store.putSettings(fresh, null);
    return fresh;
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
    const raced = await deps.store.getSettings(tenant);
    if (!raced) throw e;
    return raced;
  }
};

/** The secrets that sign now: the newest, plus older ones still inside the rotation overlap. */
export const signingSecrets = (settings: TenantSettings, now: Date): string[] =>
  settings.webhookSecrets
    .filter((s, i) => i === 0 || now.getTime() - Date.parse(settings.webhookSecrets[i - 1]!.createdAt) < ROTATION_OVERLAP_MS)
    .map((s) => s.secret);

/**
 * Adds a new webhook secret in front; the previous one keeps signing for ROTATION_OVERLAP_MS. A
 * concurrent rotation answers 409 rather than rotating twice, which would retire the secret receivers hold.
 */
export const rotateWebhookSecret = async (
  deps: { store: Store; ids: Ids; clock: Clock },
  tenant: string,
): Promise<TenantSettings> => {
  const current = await tenantSettings(deps, tenant);
  const now = deps.clock();
  const next: TenantSettings = {
    ...current,
    webhookSecrets: [{ secret: generateWebhookSecret(), createdAt: now.toISOString() }, ...current.webhookSecrets].slice(0, 2),
    updatedAt: now.toISOString(),
    version: current.version + 1,
  };
  try {
    await deps.store.putSettings(next, current.version);
  } catch (e) {
    if (e instanceof StaleRecordError) throw new ConflictError('The webhook secret was rotated by another request at the same time; read GET /byob/settings.');
    throw e;
  }
  return next;
};

/** The settings as the tenant sees them (GET /byob/settings). */
export const settingsView = (s: TenantSettings, vendorAccountId: string, now: Date) => ({
  externalId: s.externalId,
  vendorAccountId,
  webhookSecret: s.webhookSecrets[0]!.secret,
  webhookSecrets: signingSecrets(s, now),
  updatedAt: s.updatedAt,
});

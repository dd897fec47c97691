import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lib/errors.js';
import type { Ids } from '../../../lib/ids.js';
import type { TenantSettings } from '../../../lib/provisioning/store.js';
import { StaleRecordError } from '../../../lib/provisioning/stale-record.js';
import { ROTATION_OVERLAP_MS, rotateWebhookSecret, settingsView, signingSecrets, tenantSettings } from '../../../lib/tenants/settings.js';
import { sequentialIds, T0, testClock } from '../../support/fakes.js';
import { MemoryStore } from '../../support/memory-store.js';

const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
const HOUR = 3_600_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

/** Ids whose tokens differ on every call, so two generated ExternalIds can be told apart. */
const countingIds = (): Ids => {
  let n = 0;
  return { ...sequentialIds(), token: (bytes) => `t${++n}`.padEnd(Math.ceil((bytes * 4) / 3), '0') };
};

const settingsDeps = (now = T0) => {
  const store = new MemoryStore();
  const clock = testClock(now);
  return { deps: { store, ids: countingIds(), clock: clock.now }, store, clock };
};

describe('tenantSettings', () => {
  it("creates a tenant's settings on first use: a generated ExternalId and one webhook secret", async () => {
    const { deps, store } = settingsDeps();

    const settings = await tenantSettings(deps, 'acme');

    expect(settings).toMatchObject({ tenant: 'acme', externalId: `byob-t1${'0'.repeat(30)}`, createdAt: T0.toISOString(), updatedAt: T0.toISOString(), version: 1 });
    expect(settings.webhookSecrets).toEqual([{ secret: expect.stringMatching(WEBHOOK_SECRET), createdAt: T0.toISOString() }]);
    expect(store.settings.get('acme')).toEqual(settings);
  });

  it('answers the stored settings afterwards, unchanged', async () => {
    const { deps, clock } = settingsDeps();
    const first = await tenantSettings(deps, 'acme');
    clock.set(at(HOUR));

    expect(await tenantSettings(deps, 'acme')).toEqual(first);
  });

  it('gives every tenant its own ExternalId and secret', async () => {
    const { deps } = settingsDeps();

    const [acme, globex] = [await tenantSettings(deps, 'acme'), await tenantSettings(deps, 'globex')];

    expect(acme.externalId).not.toBe(globex.externalId);
    expect(acme.webhookSecrets[0]!.secret).not.toBe(globex.webhookSecrets[0]!.secret);
  });

  it('answers the winner to both of two first uses at the same time, so nobody holds a discarded ExternalId', async () => {
    const { deps, store } = settingsDeps();

    const [a, b] = await Promise.all([tenantSettings(deps, 'acme'), tenantSettings(deps, 'acme')]);

    expect(a).toEqual(b);
    expect(store.settings.get('acme')).toEqual(a);
  });

  it('lets a store failure other than a lost race through', async () => {
    const { deps, store } = settingsDeps();
    store.putSettings = async () => Promise.reject(new Error('DynamoDB is down'));

    await expect(tenantSettings(deps, 'acme')).rejects.toThrow('DynamoDB is down');
  });

  it('rethrows the lost race when the winner cannot be read back', async () => {
    const { deps, store } = settingsDeps();
    store.putSettings = async () => Promise.reject(new StaleRecordError('settings of acme changed concurrently'));

    await expect(tenantSettings(deps, 'acme')).rejects.toBeInstanceOf(StaleRecordError);
  });
});

describe('rotateWebhookSecret', () => {
  it('puts a new secret in front and keeps the previous one, ExternalId unchanged', async () => {
    const { deps, clock, store } = settingsDeps();
    const before = await tenantSettings(deps, 'acme');
    clock.set(at(HOUR));

    const after = await rotateWebhookSecret(deps, 'acme');

    expect(after.webhookSecrets).toEqual([{ secret: expect.stringMatching(WEBHOOK_SECRET), createdAt: at(HOUR).toISOString() }, before.webhookSecrets[0]]);
    expect(after.webhookSecrets[0]!.secret).not.toBe(before.webhookSecrets[0]!.secret);
    expect(after).toMatchObject({ externalId: before.externalId, createdAt: before.createdAt, updatedAt: at(HOUR).toISOString(), version: 2 });
    expect(store.settings.get('acme')).toEqual(after);
  });

  it('keeps at most two secrets', async () => {
    const { deps, clock } = settingsDeps();
    await tenantSettings(deps, 'acme');
    clock.set(at(HOUR));
    const once = await rotateWebhookSecret(deps, 'acme');
    clock.set(at(2 * HOUR));

    const twice = await rotateWebhookSecret(deps, 'acme');

    expect(twice.webhookSecrets).toHaveLength(2);
    expect(twice.webhookSecrets[1]).toEqual(once.webhookSecrets[0]);
  });

  it('creates the settings of a tenant that has none, then rotates', async () => {
    const { deps } = settingsDeps();

    const out = await rotateWebhookSecret(deps, 'acme');

    expect(out.version).toBe(2);
    expect(out.webhookSecrets).toHaveLength(2);
  });

  it('answers 409 to one of two rotations at the same time rather than rotating twice', async () => {
    const { deps, store } = settingsDeps();
    const before = await tenantSettings(deps, 'acme');

    const results = await Promise.allSettled([rotateWebhookSecret(deps, 'acme'), rotateWebhookSecret(deps, 'acme')]);

    const won = results.filter((r): r is PromiseFulfilledResult<TenantSettings> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
    expect(store.settings.get('acme')).toEqual(won[0]!.value);
    expect(won[0]!.value.webhookSecrets[1]).toEqual(before.webhookSecrets[0]);
  });

  it('lets a store failure other than a lost race through', async () => {
    const { deps, store } = settingsDeps();
    await tenantSettings(deps, 'acme');
    store.putSettings = async () => Promise.reject(new Error('DynamoDB is down'));

    await expect(rotateWebhookSecret(deps, 'acme')).rejects.toThrow('DynamoDB is down');
  });
});

describe('signingSecrets', () => {
  const rotatedAt = (ms: number): TenantSettings => ({
    tenant: 'acme',
    externalId: 'byob-x',
    webhookSecrets: [
      { secret: 'whsec_new', createdAt: at(ms).toISOString() },
      { secret: 'whsec_old', createdAt: T0.toISOString() },
    ],
    createdAt: T0.toISOString(),
    updatedAt: at(ms).toISOString(),
    version: 2,
  });

  it('signs with the new and the old secret for 24 hours after a rotation, newest first', () => {
    const settings = rotatedAt(HOUR);

    expect(signingSecrets(settings, at(HOUR))).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(settings, at(HOUR + ROTATION_OVERLAP_MS - 1))).toEqual(['whsec_new', 'whsec_old']);
  });

  it('signs with the new secret alone from 24 hours after the rotation', () => {
    const settings = rotatedAt(HOUR);

    expect(signingSecrets(settings, at(HOUR + ROTATION_OVERLAP_MS))).toEqual(['whsec_new']);
    expect(signingSecrets(settings, at(HOUR + 30 * ROTATION_OVERLAP_MS))).toEqual(['whsec_new']);
  });

  it('counts the overlap from the rotation, not from when the old secret was made', () => {
    const settings = rotatedAt(40 * 24 * HOUR);

    expect(signingSecrets(settings, at(40 * 24 * HOUR + HOUR))).toEqual(['whsec_new', 'whsec_old']);
  });

  it('is the one secret of settings never rotated', () => {
    const [first] = rotatedAt(0).webhookSecrets;

    expect(signingSecrets({ ...rotatedAt(0), webhookSecrets: [first!] }, at(400 * 24 * HOUR))).toEqual(['whsec_new']);
  });

  it('follows a real rotation over time', async () => {
    const { deps, clock } = settingsDeps();
    const original = (await tenantSettings(deps, 'acme')).webhookSecrets[0]!.secret;
    clock.set(at(HOUR));
    const rotated = await rotateWebhookSecret(deps, 'acme');
    const fresh = rotated.webhookSecrets[0]!.secret;

    expect(signingSecrets(rotated, at(2 * HOUR))).toEqual([fresh, original]);
    expect(signingSecrets(rotated, at(HOUR + ROTATION_OVERLAP_MS))).toEqual([fresh]);
  });
});

describe('settingsView', () => {
  it('shows the ExternalId, the vendor account, the newest secret and every secret still signing', async () => {
    const { deps, clock } = settingsDeps();
    await tenantSettings(deps, 'acme');
    clock.set(at(HOUR));
    const rotated = await rotateWebhookSecret(deps, 'acme');

    const view = settingsView(rotated, '830241207209', at(2 * HOUR));

    expect(view).toEqual({
      externalId: rotated.externalId,
      vendorAccountId: '830241207209',
      webhookSecret: rotated.webhookSecrets[0]!.secret,
      webhookSecrets: rotated.webhookSecrets.map((s) => s.secret),
      updatedAt: at(HOUR).toISOString(),
    });
    expect(settingsView(rotated, '830241207209', at(HOUR + ROTATION_OVERLAP_MS)).webhookSecrets).toEqual([rotated.webhookSecrets[0]!.secret]);
  });

  it('shows no internals: tenant, version or creation times of secrets', async () => {
    const { deps } = settingsDeps();

    const view = settingsView(await tenantSettings(deps, 'acme'), '830241207209', T0);

    expect(Object.keys(view).sort()).toEqual(['externalId', 'updatedAt', 'vendorAccountId', 'webhookSecret', 'webhookSecrets']);
  });
});

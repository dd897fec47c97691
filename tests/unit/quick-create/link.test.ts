import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { createByob, type CreateDeps } from '../../../lib/provisioning/create.js';
import { logger } from '../../../lib/logger.js';
import { registrationToken, withoutToken, withToken, hashToken, QUICK_CREATE_URL_MAX, quickCreateUrl, QuickCreateUrlTooLongError, tokenMatches } from '../../../lib/quick-create/link.js';
import { realIds } from '../../../lib/ids.js';
import { reconcile } from '../../../lib/provisioning/reconcile.js';
import { AWS_REGIONS } from '../../../lib/identifiers.js';
import { CreateByobRequest } from '../../../lib/provisioning/request.js';
import { templateUrlOf } from '../../../lib/provisioning/template-store.js';
import type { CfnTemplate } from '../../../templates/cfn.js';
import { LOGICAL_IDS, REGISTRATION_RESOURCE_TYPE } from '../../../templates/render-byob.js';
import { toView } from '../../../lib/provisioning/record.js';
import { fakeDeps, LINK_KEY, localEnv, REGION, T0, testClock, VIEW } from '../../support/fakes.js';
import { awaitingRecord } from './support.js';

/** The parts of a quick-create link, decoded as the console reads them. */
const partsOf = (link: string) => {
  const u = new URL(link);
  const [route, query = ''] = u.hash.slice(1).split('?');
  return { host: u.host, path: u.pathname, region: u.searchParams.get('region'), route, params: Object.fromEntries(new URLSearchParams(query)) };
};

describe('quickCreateUrl', () => {
  const input = {
    region: 'eu-central-1',
    templateUrl: 'https://byob-prod-templates-eu-central-1.s3.eu-central-1.amazonaws.com/templates/byob_01JQC00000000000000000TEST/Zx-9_a.json',
    stackName: 'byob-01jqc00000000000000000test',
    token: 'abc-DEF_123456789012345678901234',
  };

  it('is the console\'s quick-create link in the stack\'s region, carrying the template, stack name and token', () => {
    const link = quickCreateUrl(input);
    expect(link.startsWith('https://eu-central-1.console.aws.amazon.com/cloudformation/home?region=eu-central-1#/stacks/quickcreate?templateURL=')).toBe(true);
    expect(partsOf(link)).toEqual({
      host: 'eu-central-1.console.aws.amazon.com',
      path: '/cloudformation/home',
      region: 'eu-central-1',
      route: '/stacks/quickcreate',
      params: { templateURL: input.templateUrl, stackName: input.stackName, param_RegistrationToken: input.token },
    });
    expect(link.length).toBeLessThanOrEqual(QUICK_CREATE_URL_MAX);
  });

  it('stays within 1024 characters for every region, the longest bucket prefix config allows, and a 24-byte token', () => {
    const prefix = `a${'b'.repeat(40)}`;
    fc.assert(
      fc.property(fc.constantFrom(...AWS_REGIONS), (region) => {
        const bucket = `${prefix}-${region}`;
        const link = quickCreateUrl({
          region,
          templateUrl: templateUrlOf(bucket, region, `templates/byob_01JQC00000000000000000TEST/${'n'.repeat(24)}.json`),
          stackName: 'byob-01jqc00000000000000000test',
          token: 't'.repeat(32),
        });
        expect(link.length).toBeLessThanOrEqual(QUICK_CREATE_URL_MAX);
      }),
    );
  });

  it('refuses to build a link the console would cut', () => {
    expect(() => quickCreateUrl({ ...input, templateUrl: `https://b.s3.amazonaws.com/${'k'.repeat(1000)}` })).toThrow(QuickCreateUrlTooLongError);
  });

  it('refuses anything but a region code where the console\'s host name goes', () => {
    expect(() => quickCreateUrl({ ...input, region: 'evil.example/' })).toThrow(RangeError);
  });
});

describe('registration token', () => {
  it('is matched against its SHA-256 only', () => {
    const hash = hashToken('the-token-0123456789');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenMatches('the-token-0123456789', hash)).toBe(true);
    expect(tokenMatches('the-token-0123456780', hash)).toBe(false);
    expect(tokenMatches('the-token-0123456789', 'not-hex')).toBe(false);
    expect(tokenMatches('the-token-0123456789', '')).toBe(false);
  });
});

const s3Mock = mockClient(S3Client);
afterEach(() => {
  s3Mock.reset();
  vi.restoreAllMocks();
});

describe('POST /byob in quick-create mode (createByob)', () => {

  const setup = () => {
    const f = fakeDeps();
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'v1' });
    const deps: CreateDeps = { ...f.deps, ids: { ...realIds(), requestId: () => 'byob_01JQC00000000000000000TEST', eventId: () => 'evt_1' }, vendorS3: () => new S3Client({ region: REGION }) };
    const body = CreateByobRequest.parse({ scope: 'team', team: 'omega', region: REGION, encryption: { type: 'sse-kms' }, accessRole: { enabled: true }, launch: { mode: 'quick-create' }, cors: { allowedOrigins: ['https://app.example.com'] } });
    return { ...f, deps, body };
  };

  it('stores the template in the region\'s bucket, hands out a link to it, keeps only the token\'s hash, and waits for the customer', async () => {
    const { deps, body, store } = setup();

    const record = await createByob(deps, 'acme', body);

    expect(record.status).toBe('AWAITING_CUSTOMER');
    const put = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put.Bucket).toBe('byob-local-templates-eu-central-1');
    expect(put.Key).toMatch(/^templates\/byob_01JQC00000000000000000TEST\/[A-Za-z0-9_-]{24}\.json$/);
    expect(record.quickCreate!.url).not.toContain('param_RegistrationToken');
    // The tenant's view derives the token again (HMAC of the id under the link key); the record never holds it.
    const link = partsOf(toView(record, { ...VIEW, linkKey: LINK_KEY }).quickCreateUrl!);
    expect(link.host).toBe('eu-central-1.console.aws.amazon.com');
    expect(link.params.templateURL).toBe(templateUrlOf(put.Bucket!, REGION, put.Key!));
    expect(link.params.stackName).toBe(record.launch.stackName);
    const token = link.params.param_RegistrationToken!;
    expect(token).toBe(registrationToken(LINK_KEY, record.id));
    expect(token).toMatch(/^[A-Za-z0-9_-]{16,256}$/);
    expect(record.quickCreate).toMatchObject({ tokenHash: hashToken(token), boundAccountId: null, expiresAt: new Date(T0.getTime() + 72 * 3_600_000).toISOString() });
    expect(toView(record, { ...VIEW, linkKey: LINK_KEY }).quickCreateUrl!.length).toBeLessThanOrEqual(QUICK_CREATE_URL_MAX);
    expect(record.dueAt).toBe(record.quickCreate!.expiresAt);

    const template = JSON.parse(String(put.Body)) as CfnTemplate;
    // The template is public (readable by anyone holding its URL): it never holds the token. The record
    // checks the hash; the token itself is only inside the link handed to the tenant.
    const { quickCreate, ...rest } = store.current('acme', record.id);
    expect(String(put.Body)).not.toContain(token);
    expect(JSON.stringify(rest)).not.toContain(token);
    expect(JSON.stringify(quickCreate)).not.toContain(token);
    expect(Object.entries(template.Parameters ?? {}).filter(([, p]) => 'NoEcho' in p)).toEqual([]);
    const linkParams = Object.keys(link.params).filter((k) => k.startsWith('param_')).map((k) => k.slice('param_'.length));
    expect(linkParams.every((p) => p in (template.Parameters ?? {}))).toBe(true);
    const registrations = Object.values(template.Resources).filter((r) => r.Type === REGISTRATION_RESOURCE_TYPE);
    expect(registrations.map((r) => (r.Properties as { ServiceToken: string }).ServiceToken)).toEqual([
      'arn:aws:sns:eu-central-1:123456789012:byob-local-registration',
      'arn:aws:sns:eu-central-1:123456789012:byob-local-registration',
    ]);
  });

  it('a template whose link would be too long fails the request (freeing the team) instead of leaving it PENDING', async () => {
    const { deps, body, store } = setup();
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const long: CreateDeps = { ...deps, config: parseConfig(localEnv({ TEMPLATES_BUCKET_PREFIX: 'a'.repeat(41) })), ids: { ...deps.ids, token: (n) => (n === 18 ? 'T'.repeat(700) : deps.ids.token(n)) } };

    const record = await createByob(long, 'acme', body);

    expect(record).toMatchObject({ status: 'FAILED', failure: { code: 'quick_create_link_failed' }, quickCreate: null });
    expect(store.locks.size).toBe(0);
    expect(logged).toHaveBeenCalledWith('quick-create link could not be built', expect.anything());
  });
});

describe('the quick-create template', () => {

  it.each([
    ['new KMS key and role', { encryption: { type: 'sse-kms' }, accessRole: { enabled: true } }],
    ['customer key', { encryption: { type: 'sse-kms', kmsKeyArn: 'arn:aws:kms:eu-central-1:111111111111:key/0d5f4f5e-1c3b-4c55-9a0f-1234567890ab' } }],
    ['SSE-S3', { encryption: { type: 'sse-s3' } }],
  ])('with a %s creates nothing before ByobStarted has registered (a refused link leaves nothing behind)', async (_name, over) => {
    const f = fakeDeps();
    s3Mock.on(PutObjectCommand).resolves({});
    const deps: CreateDeps = { ...f.deps, vendorS3: () => new S3Client({ region: REGION }) };
    await createByob(deps, 'acme', CreateByobRequest.parse({ scope: 'team', team: 'omega', region: REGION, launch: { mode: 'quick-create' }, cors: { allowedOrigins: ['https://app.example.com'] }, ...over }));
    const template = JSON.parse(String(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Body)) as CfnTemplate;

    const waitsFor = (id: string, seen = new Set<string>()): Set<string> => {
      const r = template.Resources[id]!;
      const direct = [...(r.DependsOn ?? []), ...JSON.stringify(r.Properties).matchAll(/"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/g)].map((m) => (typeof m === 'string' ? m : m[1]!));
      for (const d of direct) if (d in template.Resources && !seen.has(d)) waitsFor(d, seen.add(d));
      return seen;
    };
    for (const id of Object.keys(template.Resources)) {
      if (id === LOGICAL_IDS.started) expect(waitsFor(id)).toEqual(new Set());
      else expect(waitsFor(id), id).toContain(LOGICAL_IDS.started);
    }
  });
});

describe('an unused link', () => {
  it('is EXPIRED by the reconciler once its expiry passes, not before', async () => {
    const clock = testClock();
    const f = fakeDeps({ clock: clock.now });
    f.store.seed(awaitingRecord());
    const deps = { ...f.deps, vendorS3: () => new S3Client({ region: REGION }), sendWebhook: async () => ({ kind: 'delivered' as const, status: 200 }) };

    clock.set(new Date(T0.getTime() + 71 * 3_600_000));
    expect((await reconcile(deps)).changed).toBe(0);
    clock.set(new Date(T0.getTime() + 72 * 3_600_000));
    expect(await reconcile(deps)).toMatchObject({ examined: 1, changed: 1, errors: 0 });

    const record = f.store.current('acme', 'byob_01JQC00000000000000000TEST');
    expect(record).toMatchObject({ status: 'EXPIRED', dueAt: null });
    expect(f.store.locks.size).toBe(0);
  });
});

describe('registration tokens are derived, never stored', () => {
  const key = 'x'.repeat(48);

  it('derives one unguessable token per request id and key', () => {
    const a = registrationToken(key, 'byob_01J00000000000000000000000');
    expect(registrationToken(key, 'byob_01J00000000000000000000000')).toBe(a);
    expect(registrationToken(key, 'byob_01J00000000000000000000001')).not.toBe(a);
    expect(registrationToken('y'.repeat(48), 'byob_01J00000000000000000000000')).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('stores the link without its token and gives it back only with the key', () => {
    const token = registrationToken(key, 'byob_01J00000000000000000000000');
    const full = quickCreateUrl({ region: 'eu-west-1', templateUrl: 'https://b.s3.eu-west-1.amazonaws.com/templates/t.json', stackName: 'byob-x', token });
    const stored = withoutToken(full);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain('param_RegistrationToken');
    expect(withToken(stored, key, 'byob_01J00000000000000000000000')).toBe(full);
  });
});

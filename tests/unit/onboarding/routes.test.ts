import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as assetHandler } from '../../../handlers/onboarding-asset.js';
import { makeHandler as pageHandler } from '../../../handlers/onboarding-page.js';
import { makeHandler as statusHandler } from '../../../handlers/onboarding-status.js';
import { logger } from '../../../lib/logger.js';
import type { OnboardingDeps } from '../../../lib/onboarding/access.js';
import { onboardingAssets } from '../../../lib/onboarding/assets.js';
import { onboardingLinkSettings, onboardingPageUrl } from '../../../lib/onboarding/link.js';
import { T0 } from '../../support/fakes.js';
import { quickCreateRecord, REQUEST_ID } from '../../support/records.js';
import { onboardingConfig, launchedRecord, storeWith } from './support.js';

// The public routes as API Gateway invokes them, over a memory store.
const config = onboardingConfig();
const deps = (...records: Parameters<typeof storeWith>): OnboardingDeps => ({ store: storeWith(...records), clock: () => T0, config });
const token = new URL(onboardingPageUrl(onboardingLinkSettings(config)!, REQUEST_ID, 0, T0)).searchParams.get('t')!;
const event = (path: Record<string, string>, t?: string) =>
  ({ rawPath: '/onboarding', pathParameters: path, queryStringParameters: t === undefined ? undefined : { t } }) as unknown as APIGatewayProxyEventV2;
const call = async (h: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>, e: APIGatewayProxyEventV2) => {
  const r = await h(e);
  return { status: r.statusCode!, headers: r.headers as Record<string, string>, body: String(r.body) };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('GET /onboarding/{id}', () => {
  it('answers the page under the page CSP, pointing its script at the status route with the same token', async () => {
    const r = await call(pageHandler(deps(quickCreateRecord())), event({ id: REQUEST_ID }, token));

    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.body).toContain(`data-status-url="${REQUEST_ID}/status?t=${token}"`);
    expect(r.body).toContain(quickCreateRecord().bucketName);
  });

  it('answers an altered, missing or withdrawn link with an error page that holds no data', async () => {
    const cases: Array<[OnboardingDeps, string | undefined, number, string]> = [
      [deps(quickCreateRecord()), `${token.slice(0, -2)}AA`, 404, 'Link not valid'],
      [deps(quickCreateRecord()), undefined, 404, 'Link not valid'],
      [deps(quickCreateRecord({ onboardingEpoch: 1 })), token, 410, 'Link withdrawn'],
      [{ ...deps(quickCreateRecord()), clock: () => new Date(T0.getTime() + 200 * 3_600_000) }, token, 410, 'Link expired'],
    ];
    for (const [d, t, status, title] of cases) {
      const r = await call(pageHandler(d), event({ id: REQUEST_ID }, t));
      expect([r.status, r.headers['content-type']], title).toEqual([status, 'text/html; charset=utf-8']);
      expect(r.body).toContain(`<h1>${title}</h1>`);
      expect(r.body).not.toContain(quickCreateRecord().bucketName);
      expect(r.body).not.toContain(REQUEST_ID);
    }
  });

  it('answers a failing table with a 500 page that says nothing of it, and logs it', async () => {
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const d = deps();
    d.store.findById = async () => {
      throw new Error('ProvisionedThroughputExceededException: table byob-prod');
    };
    const r = await call(pageHandler(d), event({ id: REQUEST_ID }, token));
    expect(r.status).toBe(500);
    expect(r.body).not.toContain('byob-prod');
    expect(logged).toHaveBeenCalledOnce();
  });

  it('answers AWS failing (throttled after the retries) with a 503 page that says when to retry', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const d = deps();
    d.store.findById = async () => {
      throw Object.assign(new Error('Rate exceeded for table byob-prod'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    };
    const r = await call(pageHandler(d), event({ id: REQUEST_ID }, token));
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toMatch(/^\d+$/);
    expect(r.body).not.toContain('byob-prod');
  });
});

describe('GET /onboarding/{id}/status', () => {
  it('answers the page\'s view as JSON, and problems for a link that opens nothing', async () => {
    const ok = await call(statusHandler(deps(launchedRecord())), event({ id: REQUEST_ID }, token));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ id: REQUEST_ID, status: 'READY', settled: true, verification: { status: 'passed' } });

    const bad = await call(statusHandler(deps(launchedRecord())), event({ id: REQUEST_ID }, `${token.slice(0, -1)}_`));
    expect([bad.status, bad.headers['content-type']]).toEqual([404, 'application/problem+json']);
    expect(bad.body).not.toContain(launchedRecord().bucketName);
  });
});

describe('GET /assets/{file}', () => {
  it('answers the current files for a year, and 404 for any other name', async () => {
    const { script } = onboardingAssets();
    const ok = await call(assetHandler, event({ file: script.name }));
    expect(ok).toMatchObject({ status: 200, body: script.body, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' } });
    expect((await call(assetHandler, event({ file: 'onboarding.js' }))).status).toBe(404);
  });
});

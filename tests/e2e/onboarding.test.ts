import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchFromLink, settled } from '../../scripts/customer-launch.js';
import { axeViolations, launchBrowser, screenshot } from '../support/browser.js';
import { call, directBody, sharedApi } from '../support/local-api.js';

// The customer's onboarding page in a real browser (Debian's chromium through playwright-core), as
// `npm start` serves it: the link the vendor hands over, the launch in a second emulator account
// (scripts/customer-launch.ts, what `npm run launch` runs), the page following it to READY by itself.
const CUSTOMER = '111111111111';
/** The narrowest phone the page is made for. */
const VIEWPORT = { width: 360, height: 800 };

const stack = sharedApi();
let token: string;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
  token = await stack.token('e2e-onboarding');
});
afterAll(async () => {
  await browser?.close();
});

/** A page whose CSP is enforced, with every request it makes and every CSP report or script error it raises. */
const openPage = async (context: BrowserContext) => {
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  // A CSP or Trusted Types refusal, a script error, a sub-resource that failed (the document's own 404 or
  // 410 is what the error-page test expects, so it is not one).
  page.on('console', (m) => {
    if (m.type() === 'error' && m.location().url !== page.url()) problems.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, requests, problems };
};

const seriousOrWorse = async (context: BrowserContext, url: string) => {
  const page = await context.newPage();
  await page.goto(url);
  return (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
};

// Expressions evaluated in the page, as text: this project's TypeScript has no DOM library.
const widerThanViewport = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');

describe('the onboarding page, in a browser', () => {
  it('shows a quick-create request\'s Launch Stack link, follows the customer\'s launch to READY without a reload, and lists the checks', async () => {
    const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'onboard-page', accessRole: { enabled: true }, launch: { mode: 'quick-create' }, tags: { 'cost-center': 'ml' } }) });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    const { onboardingUrl, quickCreateUrl, bucketName } = posted.body as { onboardingUrl: string; quickCreateUrl: string; bucketName: string };
    expect(onboardingUrl.startsWith(`${stack.baseUrl}/onboarding/${posted.body.id}?t=`)).toBe(true);

    const context = await browser.newContext({ viewport: VIEWPORT });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl });
    const { page, requests, problems } = await openPage(context);
    const answer = await page.goto(onboardingUrl);
    expect(answer!.status()).toBe(200);
    expect(await page.getAttribute('#launch-link', 'href')).toBe(quickCreateUrl);
    await expect.poll(() => page.textContent('#launch')).toContain('CAPABILITY_IAM');
    expect(await page.textContent('#status')).toMatch(/Waiting for you to launch the stack/);
    expect(await page.textContent('main')).toContain(bucketName);
    expect(await widerThanViewport(page)).toBe(false);
    await screenshot(page, 'onboarding-awaiting');
    // What a phone shows first (docs/onboarding.png in the README is one of these).
    await screenshot(page, 'onboarding-awaiting-top', false);
    // Keyboard users reach the Launch Stack link first.
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('launch-link');

    const launched = await launchFromLink({ endpoint: stack.emulatorEndpoint, link: quickCreateUrl, account: CUSTOMER });
    expect((await settled(launched.cfn, launched.stackId)).StackStatus).toBe('CREATE_COMPLETE');

    await page.locator('#status', { hasText: /^Ready/ }).waitFor({ timeout: 60_000 });
    expect(await page.isHidden('#launch')).toBe(true);
    const checks = await page.$$eval('#checks .check strong', (s) => s.map((e) => e.textContent));
    expect(checks).toEqual(expect.arrayContaining(['Versioning', 'Default encryption', 'Bucket policy grants']));
    expect(await page.$$eval('#checks .badge', (b) => b.map((e) => e.textContent))).toEqual(checks.map(() => 'Passed'));
    expect(await page.textContent('#outputs')).toContain(`arn:aws:s3:::${bucketName}`);
    await page.click('button[aria-label="Copy Bucket ARN"]');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(`arn:aws:s3:::${bucketName}`);
    expect(await widerThanViewport(page)).toBe(false);
    await screenshot(page, 'onboarding-ready');

    expect(requests.filter((u) => !u.startsWith(`${stack.baseUrl}/`))).toEqual([]);
    expect(requests.some((u) => u.includes('/status?t='))).toBe(true);
    expect(problems).toEqual([]);

    const audit = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
    expect(await seriousOrWorse(audit, onboardingUrl)).toEqual([]);
    await audit.close();
    await context.close();
  });

  it('answers a tampered, a withdrawn and an expired-looking link with an error page that shows no data', async () => {
    const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'onboard-error', launch: { mode: 'quick-create' } }) });
    const { onboardingUrl, bucketName, id } = posted.body as { onboardingUrl: string; bucketName: string; id: string };
    const context = await browser.newContext({ viewport: VIEWPORT });
    const { page, problems } = await openPage(context);

    const tampered = `${onboardingUrl.slice(0, -2)}${onboardingUrl.endsWith('AA') ? 'BB' : 'AA'}`;
    const answer = await page.goto(tampered);
    expect(answer!.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('Link not valid');
    expect(await page.content()).not.toContain(bucketName);
    expect(problems).toEqual([]);
    await screenshot(page, 'onboarding-tampered');

    const revoked = await call(stack, 'POST', `/byob/${id}/onboarding/revoke`, { token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.onboardingUrl).not.toBe(onboardingUrl);
    expect((await page.goto(onboardingUrl))!.status()).toBe(410);
    expect(await page.textContent('h1')).toBe('Link withdrawn');
    expect(await page.content()).not.toContain(bucketName);
    expect((await page.goto(revoked.body.onboardingUrl))!.status()).toBe(200);

    const audit = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
    expect(await seriousOrWorse(audit, tampered)).toEqual([]);
    await audit.close();
    await context.close();
  });

  it('serves the page under a CSP with no inline script or style, and its files for a year', async () => {
    const posted = await call(stack, 'POST', '/byob', { token, body: directBody({ team: 'onboard-headers' }) });
    const page = await fetch(posted.body.onboardingUrl);
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
    const script = html.match(/<script src="([^"]+)"/)![1]!;
    const file = await fetch(new URL(script, page.url));
    expect(file.status).toBe(200);
    expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(file.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // Direct mode: the same page without the button.
    expect(html).toContain('there is nothing for you to launch');
  });
});

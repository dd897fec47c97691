import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assetNamed, onboardingAssets, pageAssets } from '../../../lib/onboarding/assets.js';
import { PAGE_SCRIPT } from '../../../lib/onboarding/page-script.js';
import { PAGE_STYLE } from '../../../lib/onboarding/page-style.js';

describe('onboarding assets', () => {
  it('are named for their content, so a changed file is a new name and the old one can be cached for good', () => {
    const { script, style } = onboardingAssets();
    expect(script).toEqual({ name: `onboarding-${createHash('sha256').update(PAGE_SCRIPT).digest('hex').slice(0, 12)}.js`, contentType: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT });
    expect(style.name).toMatch(/^onboarding-[0-9a-f]{12}\.css$/);
    expect(style.body).toBe(PAGE_STYLE);
  });

  it('are found by their current names only', () => {
    const { script, style } = onboardingAssets();
    expect(assetNamed(script.name)).toBe(script);
    expect(assetNamed(style.name)).toBe(style);
    for (const name of ['onboarding-000000000000.js', 'onboarding.js', '', '../openapi.json']) expect(assetNamed(name)).toBeUndefined();
  });

  it('are linked from the page relative to /onboarding/{id}, so a base path in front of the API is kept', () => {
    expect(new URL(pageAssets().script, 'https://x.example/api/onboarding/byob_1').pathname).toBe(`/api/assets/${onboardingAssets().script.name}`);
  });

  it('stay small: a few KB each', () => {
    expect(PAGE_SCRIPT.length).toBeLessThan(6 * 1024);
    expect(PAGE_STYLE.length).toBeLessThan(4 * 1024);
  });
});

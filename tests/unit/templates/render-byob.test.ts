import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { MAX_TEMPLATE_BODY_BYTES, serializeTemplate } from '../../../templates/cfn.js';
import { renderByobTemplate } from '../../../templates/render-byob.js';
import type { ByobTemplateSpec } from '../../../templates/spec.js';
import { byobTemplateSpecArb } from '../../support/arbitraries.js';
import { ENCRYPTIONS, EXTERNAL_ID, SEED_004_CORS, baseSpec, fullSpec } from './fixtures.js';

const bytes = (spec: ByobTemplateSpec): number => Buffer.byteLength(serializeTemplate(renderByobTemplate(spec)), 'utf8');

/** Freezes a value and everything under it, so any write by the renderer throws. */
const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
};

describe('renderByobTemplate', () => {
  test.each(Object.keys(ENCRYPTIONS) as Array<keyof typeof ENCRYPTIONS>)('canonical template with a %s', (kind) => {
    expect(renderByobTemplate(baseSpec({ encryption: ENCRYPTIONS[kind] }))).toMatchSnapshot();
  });

  test.each(Object.keys(ENCRYPTIONS) as Array<keyof typeof ENCRYPTIONS>)('full template (role, quick-create, access logs) with a %s', (kind) => {
    expect(renderByobTemplate(fullSpec({ encryption: ENCRYPTIONS[kind], scope: 'instance', team: null, corsRules: SEED_004_CORS }))).toMatchSnapshot();
  });

  it('is pure: the same spec renders deep-equal templates and the spec is not mutated', () => {
    const spec = fullSpec();
    const before = structuredClone(spec);
    const frozen = deepFreeze(structuredClone(spec));
    const first = renderByobTemplate(frozen);
    const second = renderByobTemplate(frozen);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(frozen).toEqual(before);
  });

  it('is pure for any valid spec (property)', () => {
    fc.assert(
      fc.property(byobTemplateSpecArb, (spec) => {
        const before = structuredClone(spec);
        expect(serializeTemplate(renderByobTemplate(deepFreeze(spec)))).toBe(serializeTemplate(renderByobTemplate(before)));
        expect(spec).toEqual(before);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('does not share mutable structure between renders', () => {
    const first = renderByobTemplate(fullSpec());
    const second = renderByobTemplate(fullSpec());
    const bucket = (first.Resources.ByobBucket?.Properties ?? {}) as { Tags?: unknown[] };
    bucket.Tags?.push({ Key: 'mutated', Value: 'yes' });
    expect(JSON.stringify(second)).not.toContain('mutated');
  });

  test.each(Object.keys(ENCRYPTIONS) as Array<keyof typeof ENCRYPTIONS>)('a full template with a %s is under 51,200 bytes of JSON', (kind) => {
    expect(bytes(fullSpec({ encryption: ENCRYPTIONS[kind] }))).toBeLessThan(MAX_TEMPLATE_BODY_BYTES);
  });

  it('any generated spec renders under 51,200 bytes (property)', () => {
    fc.assert(
      fc.property(byobTemplateSpecArb, (spec) => bytes(spec) < MAX_TEMPLATE_BODY_BYTES),
      { seed: 11, numRuns: 200 },
    );
  });

  it('a spec at the request schema limits (40 tags of 128/256 ASCII characters, 20 long origins) fits', () => {
    const tags = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${String(i).padStart(2, '0')}${'k'.repeat(125)}`, 'v'.repeat(256)]));
    const origins = Array.from({ length: 20 }, (_, i) => `https://${'o'.repeat(200)}${i}.example.com`);
    const spec = fullSpec({
      accessRole: { externalId: EXTERNAL_ID },
      tags,
      corsRules: [{ allowedOrigins: origins, allowedMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], allowedHeaders: ['*'], exposedHeaders: ['ETag'], maxAgeSeconds: 3600 }],
    });
    expect(bytes(spec)).toBeLessThan(MAX_TEMPLATE_BODY_BYTES);
  });
});

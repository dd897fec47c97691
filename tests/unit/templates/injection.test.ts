/**
 * Request strings that look like CloudFormation (intrinsics, YAML tags, JSON fragments, newlines)
 * must reach the template as inert string literals: they round-trip through JSON unchanged, add no
 * intrinsic anywhere, and never enter an Fn::Sub template.
 */
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { serializeTemplate, sub } from '../../../templates/cfn.js';
import { DynamicReferenceError } from '../../../templates/dynamic-references.js';
import { LOGICAL_IDS, renderByobTemplate } from '../../../templates/render-byob.js';
import type { ByobTemplateSpec, CorsRule } from '../../../templates/spec.js';
import { CUSTOMER_KEY_ARN, SEED_003_CORS, fullSpec } from './fixtures.js';
import { walk, type Json } from './inspect.js';

const HOSTILE = [
  '{"Ref": "AWS::AccountId"}',
  '${AWS::AccountId}',
  '${!Literal} and ${AWS::Region}',
  'Fn::Sub',
  'Ref',
  '"},{"Fn::GetAtt": ["ByobBucket", "Arn"]}',
  '{"Fn::Join": ["", [{"Ref": "AWS::StackName"}]]}',
  '!Ref AWS::AccountId',
  "key: !Sub '${AWS::Region}'\n- Fn::ImportValue: x",
  'line one\nline two\r\nline three\u2028\u2029',
  '\\"}]}',
  '</script><script>alert(1)</script>',
  '\u0000\u001f',
];

/** The only Fn::Sub templates the renderer may emit: its own literals. */
const RENDERER_SUBS = new Set(['arn:${AWS::Partition}:iam::${AWS::AccountId}:root']);

interface Placed {
  tenant: string;
  team: string;
  tagKey: string;
  tagValue: string;
  origin: string;
  header: string;
}

/** A full spec (role, quick-create, access logs) carrying `p` in every request-derived field. */
const specWith = (p: Placed, encryption: ByobTemplateSpec['encryption']): ByobTemplateSpec => {
  const rule: CorsRule = { ...(SEED_003_CORS[0] as CorsRule), allowedOrigins: [p.origin], allowedHeaders: [p.header], exposedHeaders: [p.header] };
  return fullSpec({ tenant: p.tenant, team: p.team, tags: { [p.tagKey]: p.tagValue }, corsRules: [rule], encryption });
};

const BENIGN: Placed = { tenant: 'tenant', team: 'team', tagKey: 'key', tagValue: 'value', origin: 'https://example.com', header: 'X-Header' };
const everywhere = (s: string): Placed => ({ tenant: s, team: s, tagKey: s, tagValue: s, origin: s, header: s });

const roundTrip = (spec: ByobTemplateSpec): Json => JSON.parse(serializeTemplate(renderByobTemplate(spec))) as Json;

/** Paths of every intrinsic-function key (Ref, Fn::*) in the tree. */
const intrinsicPaths = (template: Json): string[] => {
  const paths: string[] = [];
  walk(template, (path, key) => {
    if (key !== null && (key === 'Ref' || key.startsWith('Fn::'))) paths.push(path);
  });
  return paths.sort();
};

/** Every Fn::Sub value in the tree. */
const subTemplates = (template: Json): Json[] => {
  const found: Json[] = [];
  walk(template, (_path, key, value) => {
    if (key === 'Fn::Sub') found.push(value);
  });
  return found;
};

const ENCRYPTION_CASES = [
  ['a new KMS key', { type: 'sse-kms' }],
  ['a customer KMS key', { type: 'sse-kms', kmsKeyArn: CUSTOMER_KEY_ARN }],
  ['SSE-S3', { type: 'sse-s3' }],
] as const satisfies ReadonlyArray<readonly [string, ByobTemplateSpec['encryption']]>;

describe.each(ENCRYPTION_CASES)('with %s', (_name, encryption) => {
  const benignIntrinsics = intrinsicPaths(roundTrip(specWith(BENIGN, encryption)));

  test.each(HOSTILE)('%j in tags, team, tenant and CORS adds no intrinsic', (hostile) => {
    expect(intrinsicPaths(roundTrip(specWith(everywhere(hostile), encryption)))).toEqual(benignIntrinsics);
  });

  test.each(HOSTILE)('%j never enters an Fn::Sub', (hostile) => {
    for (const template of subTemplates(roundTrip(specWith(everywhere(hostile), encryption)))) {
      expect(typeof template).toBe('string');
      expect(RENDERER_SUBS.has(template as string)).toBe(true);
    }
  });
});

describe('hostile strings stay exact string literals after JSON.stringify → JSON.parse', () => {
  const bucketOf = (template: Json) => {
    const resources = (template as { Resources: Record<string, { Properties: Record<string, Json> }> }).Resources;
    const bucket = resources[LOGICAL_IDS.bucket];
    if (bucket === undefined) throw new Error('no bucket');
    return bucket.Properties;
  };

  test.each(HOSTILE)('%j as a tag key and value', (hostile) => {
    expect(bucketOf(roundTrip(specWith({ ...BENIGN, tagKey: hostile, tagValue: hostile }, { type: 'sse-kms' }))).Tags).toContainEqual({ Key: hostile, Value: hostile });
  });

  test.each(HOSTILE)('%j as the tenant', (hostile) => {
    expect(bucketOf(roundTrip(specWith({ ...BENIGN, tenant: hostile }, { type: 'sse-kms' }))).Tags).toContainEqual({ Key: 'byob:tenant', Value: hostile });
  });

  test.each(HOSTILE)('%j as the team', (hostile) => {
    expect(bucketOf(roundTrip(specWith({ ...BENIGN, team: hostile }, { type: 'sse-kms' }))).Tags).toContainEqual({ Key: 'byob:team', Value: hostile });
  });

  test.each(HOSTILE)('%j as a CORS origin and header', (hostile) => {
    const cors = bucketOf(roundTrip(specWith({ ...BENIGN, origin: hostile, header: hostile }, { type: 'sse-kms' }))).CorsConfiguration;
    expect(cors).toEqual({ CorsRules: [expect.objectContaining({ AllowedOrigins: [hostile], AllowedHeaders: [hostile], ExposedHeaders: [hostile] })] });
  });
});

describe('dynamic references, which CloudFormation resolves inside any string, are refused', () => {
  const reference = '{{resolve:ssm:/customer/secret}}';

  test.each([
    ['tenant', { ...BENIGN, tenant: reference }],
    ['team', { ...BENIGN, team: reference }],
    ['tag key', { ...BENIGN, tagKey: reference }],
    ['tag value', { ...BENIGN, tagValue: `prefix {{ resolve:secretsmanager:x }}` }],
    ['CORS origin', { ...BENIGN, origin: reference }],
  ])('in the %s', (_field, placed) => {
    expect(() => renderByobTemplate(specWith(placed, { type: 'sse-kms' }))).toThrow(DynamicReferenceError);
  });

  it('the error names the offending field', () => {
    expect(() => renderByobTemplate(specWith({ ...BENIGN, tenant: reference }, { type: 'sse-kms' }))).toThrow(/\$\.tenant/);
  });
});

describe('any string at all (property)', () => {
  const anyString = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/\{\{\s*resolve\s*:/i.test(s));

  it('is inert in tags, team, tenant and CORS', () => {
    const benignIntrinsics = intrinsicPaths(roundTrip(specWith(BENIGN, { type: 'sse-kms' })));
    fc.assert(
      fc.property(fc.record({ tenant: anyString, team: anyString, tagKey: anyString, tagValue: anyString, origin: anyString, header: anyString }), (placed) => {
        const spec = specWith(placed, { type: 'sse-kms' });
        const template = roundTrip(spec);
        expect(template).toEqual(JSON.parse(JSON.stringify(renderByobTemplate(spec))));
        expect(intrinsicPaths(template)).toEqual(benignIntrinsics);
        expect(subTemplates(template).every((t) => typeof t === 'string' && RENDERER_SUBS.has(t))).toBe(true);
      }),
      { seed: 20_240_601, numRuns: 300 },
    );
  });
});

describe('sub()', () => {
  it('accepts only compile-time literals (a widened string is a type error, checked by tsc)', () => {
    const fromRequest: string = '${AWS::AccountId}';
    // @ts-expect-error a request-derived string must not become a Sub template
    expect(sub(fromRequest)).toEqual({ 'Fn::Sub': fromRequest });
  });
});

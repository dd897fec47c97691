/**
 * The lint gate: generated specs (both kinds of vendor principal, adopted buckets too) render
 * templates that pass cfn-lint (no error or warning) and checkov (no failed check; skips only with a
 * reason), and deliberately broken templates fail it, so the gate is known to be able to fail. Each
 * tool runs once over every template.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { serializeTemplate, type CfnTemplate } from '../../../templates/cfn.js';
import { LOGICAL_IDS, renderByobTemplate } from '../../../templates/render-byob.js';
import type { ByobTemplateSpec } from '../../../templates/spec.js';
import { byobTemplateSpecArb } from '../../support/arbitraries.js';
import { byFile, cfnLint, checkov, type CheckovReport, type LintResult } from '../../support/cfn-tools.js';

const SEED = 20_250_101;
const NUM_RUNS = 60;

/** A mutable JSON copy of a rendered template, to break on purpose. */
type Editable = { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }> } & Record<string, unknown>;

const editable = (template: CfnTemplate): Editable => JSON.parse(serializeTemplate(template)) as Editable;
const base = (): ByobTemplateSpec => {
  const [spec] = fc.sample(byobTemplateSpecArb, { seed: SEED, numRuns: 1 });
  if (spec === undefined) throw new Error('no sample');
  return { ...spec, encryption: { type: 'sse-kms' }, accessRole: { externalId: 'byob-0123456789abcdefghijABCDEFGHIJ_-' }, quickCreate: null, accessLogBucket: null, adopted: null };
};
const propsOf = (t: Editable, id: string): Record<string, unknown> => {
  const resource = t.Resources[id];
  if (resource === undefined) throw new Error(`no ${id}`);
  return resource.Properties;
};

/** Broken on purpose, each with the tool and rule that must catch it. */
const BROKEN: ReadonlyArray<{ name: string; tool: 'cfn-lint' | 'checkov'; rule: string; make: () => Editable }> = [
  {
    name: 'invalid-encryption-algorithm',
    tool: 'cfn-lint',
    rule: 'E3030',
    make: () => {
      const t = editable(renderByobTemplate(base()));
      propsOf(t, LOGICAL_IDS.bucket).BucketEncryption = {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'none' } }],
      };
      return t;
    },
  },
  {
    name: 'public-access-block-removed',
    tool: 'checkov',
    rule: 'CKV_AWS_53',
    make: () => {
      const t = editable(renderByobTemplate(base()));
      delete propsOf(t, LOGICAL_IDS.bucket).PublicAccessBlockConfiguration;
      return t;
    },
  },
  {
    name: 'versioning-suspended',
    tool: 'checkov',
    rule: 'CKV_AWS_21',
    make: () => {
      const t = editable(renderByobTemplate(base()));
      propsOf(t, LOGICAL_IDS.bucket).VersioningConfiguration = { Status: 'Suspended' };
      return t;
    },
  },
  {
    name: 'key-rotation-off',
    tool: 'checkov',
    rule: 'CKV_AWS_7',
    make: () => {
      const t = editable(renderByobTemplate(base()));
      propsOf(t, LOGICAL_IDS.key).EnableKeyRotation = false;
      return t;
    },
  },
  {
    name: 'access-log-skip-removed',
    tool: 'checkov',
    rule: 'CKV_AWS_18',
    make: () => {
      const t = editable(renderByobTemplate(base()));
      const bucket = t.Resources[LOGICAL_IDS.bucket] as Record<string, unknown>;
      delete bucket.Metadata;
      return t;
    },
  },
  {
    name: 'invalid-property',
    tool: 'cfn-lint',
    rule: 'E3002',
    make: () => {
      const t = editable(renderByobTemplate(base()));
      const props = propsOf(t, LOGICAL_IDS.bucket);
      props.BucketNme = props.BucketName;
      delete props.BucketName;
      return t;
    },
  },
  {
    name: 'dangling-ref',
    tool: 'cfn-lint',
    rule: 'E3005',
    make: () => {
      const t = editable(renderByobTemplate(base()));
      const ready = { ...t.Resources[LOGICAL_IDS.bucketPolicy], DependsOn: ['NoSuchResource'] } as Editable['Resources'][string];
      t.Resources[LOGICAL_IDS.bucketPolicy] = ready;
      return t;
    },
  },
  {
    name: 'redundant-depends-on',
    tool: 'cfn-lint',
    rule: 'W3005',
    make: () => {
      const t = editable(renderByobTemplate(base()));
      const policy = t.Resources[LOGICAL_IDS.bucketPolicy];
      if (policy !== undefined) policy.DependsOn = [LOGICAL_IDS.bucket];
      return t;
    },
  },
];

describe('rendered templates through cfn-lint and checkov', () => {
  const root = mkdtempSync(join(tmpdir(), 'byob-lint-'));
  const goodDir = join(root, 'good');
  const badDir = join(root, 'bad');
  const specs = fc.sample(byobTemplateSpecArb, { seed: SEED, numRuns: NUM_RUNS });
  const goodFiles = specs.map((_, i) => join(goodDir, `spec-${String(i).padStart(3, '0')}.json`));
  const badFiles = new Map(BROKEN.map((b) => [b.name, join(badDir, `${b.name}.json`)]));
  const unencryptedFile = join(badDir, 'bucket-without-encryption.json');
  let lint: LintResult;
  let scan: CheckovReport;

  beforeAll(async () => {
    mkdirSync(goodDir);
    mkdirSync(badDir);
    specs.forEach((spec, i) => writeFileSync(goodFiles[i] as string, serializeTemplate(renderByobTemplate(spec))));
    for (const broken of BROKEN) writeFileSync(badFiles.get(broken.name) as string, JSON.stringify(broken.make()));
    const unencrypted = editable(renderByobTemplate(base()));
    delete propsOf(unencrypted, LOGICAL_IDS.bucket).BucketEncryption;
    writeFileSync(unencryptedFile, JSON.stringify(unencrypted));
    const regions = [...new Set(specs.map((s) => s.region))];
    [lint, scan] = await Promise.all([cfnLint([...goodFiles, ...badFiles.values(), unencryptedFile], regions), checkov(root)]);
    console.info(`cfn-lint: ${goodFiles.length + badFiles.size + 1} templates in ${lint.durationMs} ms; checkov: ${scan.durationMs} ms`);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`generates at least 50 specs covering every variant`, () => {
    expect(specs.length).toBeGreaterThanOrEqual(50);
    const kinds = new Set(specs.map((s) => (s.encryption.type === 'sse-s3' ? 'sse-s3' : s.encryption.kmsKeyArn === undefined ? 'new-key' : 'customer-key')));
    expect(kinds).toEqual(new Set(['sse-s3', 'new-key', 'customer-key']));
    expect(new Set(specs.map((s) => s.accessRole === null))).toEqual(new Set([true, false]));
    expect(new Set(specs.map((s) => s.quickCreate === null))).toEqual(new Set([true, false]));
    expect(new Set(specs.map((s) => s.accessLogBucket === null))).toEqual(new Set([true, false]));
    expect(new Set(specs.map((s) => s.scope))).toEqual(new Set(['team', 'instance']));
    expect(new Set(specs.map((s) => (s.vendor.principalArn.endsWith(':root') ? 'root' : 'role')))).toEqual(new Set(['root', 'role']));
    expect(new Set(specs.map((s) => s.adopted === null))).toEqual(new Set([true, false]));
  });

  it('every generated template passes cfn-lint with no error or warning', () => {
    const failures = lint.failures.filter((f) => f.file.startsWith(goodDir));
    expect(failures.map((f) => `${f.file}: ${f.ruleId} ${f.message} at ${f.path.join('/')}`)).toEqual([]);
  });

  it('every generated template passes checkov with no failed check', () => {
    const failed = scan.failed.filter((f) => f.file.startsWith(goodDir));
    expect(failed.map((f) => `${f.file}: ${f.checkId} on ${f.resource}`)).toEqual([]);
    expect(scan.parsingErrors).toEqual([]);
  });

  it('checkov actually evaluated every generated template with a bucket, key or role', () => {
    const checked = byFile(scan.passed.filter((p) => p.file.startsWith(goodDir)));
    // checkov has no CloudFormation check of AWS::S3::BucketPolicy: an adopting template without a role holds
    // nothing else, and requirements.test.ts asserts its statements.
    const checkable = goodFiles.filter((_, i) => !(specs[i]!.adopted !== null && specs[i]!.accessRole === null));
    expect(checkable.length).toBeLessThan(goodFiles.length);
    expect([...checked.keys()].sort()).toEqual([...checkable].sort());
  });

  it('every checkov skip has a non-empty comment and is CKV_AWS_18 on a bucket without a log bucket', () => {
    const skipped = scan.skipped.filter((s) => s.file.startsWith(goodDir));
    // An adopting template has no bucket resource, so nothing to skip.
    expect(skipped.length).toBe(specs.filter((s) => s.accessLogBucket === null && s.adopted === null).length);
    for (const skip of skipped) {
      expect(skip.comment?.trim()).toBeTruthy();
      expect(skip.checkId).toBe('CKV_AWS_18');
    }
  });

  test.each(BROKEN.map((b) => [b.name, b.tool, b.rule] as const))('broken template %s fails %s with %s', (name, tool, rule) => {
    const file = badFiles.get(name);
    if (tool === 'cfn-lint') {
      expect(lint.failures.filter((f) => f.file === file).map((f) => f.ruleId)).toContain(rule);
    } else {
      expect(scan.failed.filter((f) => f.file === file).map((f) => f.checkId)).toContain(rule);
    }
  });

  it('a bucket without BucketEncryption passes both tools (S3 encrypts by default since 2023), so requirements.test.ts asserts SSE-KMS itself', () => {
    expect(scan.failed.filter((f) => f.file === unencryptedFile)).toEqual([]);
    expect(scan.passed.filter((p) => p.file === unencryptedFile).map((p) => p.checkId)).toContain('CKV_AWS_19');
    expect(lint.failures.filter((f) => f.file === unencryptedFile)).toEqual([]);
  });

  it('the tools report failure through their exit codes', () => {
    expect(lint.exitCode & 2).toBe(2);
    expect(lint.exitCode & 4).toBe(4);
    expect(scan.exitCode).toBe(1);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENTS_USED } from '../../../bench/bundles.js';
import { cfnLint } from '../../support/cfn-tools.js';
import { TABLE_DEFINITION } from '../../../lib/provisioning/table.js';
import { DELIVERY_QUEUE_SETTINGS } from '../../../lib/webhooks/delivery-queue.js';

// `serverless package` must work offline (no credentials, no network) and the CloudFormation it
// writes must pass cfn-lint: that is what `serverless deploy` would submit. Bundle sizes are a
// performance goal measured by bench/ (npm run bench), not asserted here.
describe('serverless package', () => {
  it('packages one bundle per function offline, and its CloudFormation passes cfn-lint', async () => {
    const out = mkdtempSync(join(tmpdir(), 'byob-package-'));
    const r = spawnSync('npx', ['serverless', 'package', '--stage', 'prod', '--region', 'eu-west-1', '--package', out], {
      encoding: 'utf8',
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
      timeout: 600_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`.slice(-3000)).toBe(0);

    const template = join(out, 'cloudformation-template-update-stack.json');
    const zips = readdirSync(out).filter((f) => f.endsWith('.zip'));
    const functions = Object.keys((JSON.parse(readFileSync(template, 'utf8')) as { Resources: Record<string, { Type: string }> }).Resources).filter(
      (k) => k.endsWith('LambdaFunction'),
    );
    expect(zips.length).toBe(functions.length);
    for (const z of zips) expect(statSync(join(out, z)).size).toBeGreaterThan(0);

    // The bundles take their credentials from lib/aws/lambda-credentials.ts (serverless.yml `alias`), not
    // from the SDK's whole default chain (SSO, ini files, web identity, instance metadata).
    const unzip = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nsys.stdout.write("".join(z.read(n).decode() for n in z.namelist()))';
    // Functions that call no AWS service (the document, the onboarding page's files) carry no client.
    const withClients = zips.filter((z) => (CLIENTS_USED[z.replace(/\.zip$/, '')] ?? []).length > 0);
    for (const z of withClients) {
      const code = spawnSync('python3', ['-c', unzip, join(out, z)], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
      expect(code, z).toContain('this build reads them from AWS_ACCESS_KEY_ID');
      expect(code, z).not.toContain('defaultProvider::fromSSO');
    }

    // serverless.yml's table and lib/provisioning/table.ts TABLE_DEFINITION (used locally and in tests) must agree.
    const table = (JSON.parse(readFileSync(template, 'utf8')) as { Resources: Record<string, { Properties: Record<string, unknown> }> }).Resources.ByobTable!.Properties;
    const keysOf = (def: { AttributeDefinitions: unknown; KeySchema: unknown; GlobalSecondaryIndexes: unknown }) => JSON.stringify([def.AttributeDefinitions, def.KeySchema, def.GlobalSecondaryIndexes]);
    expect(keysOf(table as never)).toBe(keysOf(TABLE_DEFINITION as never));
    expect(table.BillingMode).toBe(TABLE_DEFINITION.BillingMode);

    // The delivery queue as DELIVERY_QUEUE_SETTINGS says (the local stack makes its queue from them), and
    // the delivery function's event source reports partial batch failures.
    const resources = (JSON.parse(readFileSync(template, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources;
    expect(resources.DeliveryQueue!.Properties).toMatchObject({
      FifoQueue: true,
      VisibilityTimeout: DELIVERY_QUEUE_SETTINGS.visibilityTimeoutSeconds,
      MessageRetentionPeriod: DELIVERY_QUEUE_SETTINGS.retentionSeconds,
      RedrivePolicy: { maxReceiveCount: DELIVERY_QUEUE_SETTINGS.maxReceiveCount },
    });
    const mapping = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping')!.Properties;
    expect(mapping).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 20 } });

    const lint = await cfnLint([template]);
    expect(lint.findings.filter((f) => f.level === 'Error'), JSON.stringify(lint.findings, null, 1)).toEqual([]);
    // osls generates each HTTP API route with a DependsOn on its integration that its Ref already
    // implies (W3005); that is the framework's output, not ours, and harmless. Anything else fails.
    const others = lint.findings.filter((f) => !(f.ruleId === 'W3005' && f.path[1]?.toString().startsWith('HttpApiRoute')));
    expect(others, JSON.stringify(others, null, 1)).toEqual([]);
  });
});

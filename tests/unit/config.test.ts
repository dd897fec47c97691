import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, registrationTopicArn, stackEventsTopicArn, templatesBucketFor } from '../../lib/config.js';
import { localEnv } from '../support/fakes.js';

describe('parseConfig', () => {
  it('reads a complete environment, with defaults for what is optional', () => {
    const cfg = parseConfig(localEnv());
    expect(cfg.localMode).toBe(true);
    expect(cfg.vendor.name).toBe('Example Vendor');
    expect(cfg.auth.tenantClaim).toBe('tenant');
    expect(cfg.quickCreateTtlHours).toBe(72);
    expect(cfg.statusDeadlineMinutes).toBe(30);
  });

  it('treats an empty variable as unset (serverless.yml renders absent optional values as "")', () => {
    const cfg = parseConfig({ ...localEnv(), ACCESS_LOG_BUCKET: '', STACK_EXECUTION_ROLE_ARN: '' });
    expect(cfg.accessLogBucket).toBeNull();
    expect(cfg.stackExecutionRoleArn).toBeNull();
  });

  it('names every bad variable in one error', () => {
    const env: Record<string, string | undefined> = { ...localEnv(), AWS_REGION: 'mars-1', VENDOR_ACCOUNT_ID: '12', STACK_EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:user/x' };
    delete env.TABLE_NAME;
    const attempt = () => parseConfig(env);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/AWS_REGION.*VENDOR_ACCOUNT_ID|VENDOR_ACCOUNT_ID.*AWS_REGION/);
    expect(attempt).toThrow(/TABLE_NAME/);
    expect(attempt).toThrow(/STACK_EXECUTION_ROLE_ARN/);
  });

  it('wants exactly one JWKS source', () => {
    const env = { ...localEnv(), AUTH_JWKS_URL: 'https://idp.example.com/jwks.json' };
    expect(() => parseConfig(env)).toThrow(/exactly one of AUTH_JWKS/);
  });

  it('derives per-region names the same way for every caller', () => {
    const cfg = parseConfig(localEnv());
    expect(templatesBucketFor(cfg, 'eu-west-1')).toBe(`${cfg.templatesBucketPrefix}-eu-west-1`);
    expect(stackEventsTopicArn(cfg, 'eu-west-1')).toBe(`arn:aws:sns:eu-west-1:${cfg.serviceAccountId}:${cfg.stackEventsTopicName}`);
    expect(registrationTopicArn(cfg, 'us-east-1')).toBe(`arn:aws:sns:us-east-1:${cfg.serviceAccountId}:${cfg.registrationTopicName}`);
  });
});

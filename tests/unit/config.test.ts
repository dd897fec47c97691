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

  it('reads the onboarding page\'s settings: off without a base URL or key, a week\'s links, no framing by default', () => {
    const off = parseConfig(localEnv());
    expect([off.publicBaseUrl, off.onboardingLinkKey, off.onboardingTtlHours, off.onboardingFrameAncestors]).toEqual([null, null, 168, []]);
    const on = parseConfig({
      ...localEnv(),
      PUBLIC_BASE_URL: 'https://byob.example.com/api/',
      ONBOARDING_LINK_KEY: 'k'.repeat(32),
      ONBOARDING_TTL_HOURS: '24',
      ONBOARDING_FRAME_ANCESTORS: ' https://portal.example.com  https://app.example.com:8443 ',
    });
    expect([on.publicBaseUrl, on.onboardingTtlHours, on.onboardingFrameAncestors]).toEqual(['https://byob.example.com/api', 24, ['https://portal.example.com', 'https://app.example.com:8443']]);
  });

  it('refuses an onboarding setting that would make bad links or a weak key', () => {
    for (const [name, value] of [
      ['PUBLIC_BASE_URL', 'https://byob.example.com/?x=1'],
      ['PUBLIC_BASE_URL', 'ftp://byob.example.com'],
      ['ONBOARDING_LINK_KEY', 'short'],
      ['ONBOARDING_TTL_HOURS', '0'],
      ['ONBOARDING_FRAME_ANCESTORS', "https://portal.example.com 'self'"],
      ['ONBOARDING_FRAME_ANCESTORS', 'http://portal.example.com'],
    ]) {
      expect(() => parseConfig({ ...localEnv(), [name!]: value }), `${name}=${value}`).toThrow(new RegExp(name!));
    }
  });

  it('derives per-region names the same way for every caller', () => {
    const cfg = parseConfig(localEnv());
    expect(templatesBucketFor(cfg, 'eu-west-1')).toBe(`${cfg.templatesBucketPrefix}-eu-west-1`);
    expect(stackEventsTopicArn(cfg, 'eu-west-1')).toBe(`arn:aws:sns:eu-west-1:${cfg.serviceAccountId}:${cfg.stackEventsTopicName}`);
    expect(registrationTopicArn(cfg, 'us-east-1')).toBe(`arn:aws:sns:us-east-1:${cfg.serviceAccountId}:${cfg.registrationTopicName}`);
  });
});

describe('REVERIFY_INTERVAL', () => {
  it('defaults to P1D and reads any ISO-8601 duration of weeks to seconds', () => {
    expect(parseConfig(localEnv()).reverifyIntervalMs).toBe(86_400_000);
    expect(parseConfig(localEnv({ REVERIFY_INTERVAL: 'PT30S' })).reverifyIntervalMs).toBe(30_000);
    expect(parseConfig(localEnv({ REVERIFY_INTERVAL: '' })).reverifyIntervalMs).toBe(86_400_000);
  });

  it.each([
    ['daily', /REVERIFY_INTERVAL: an ISO-8601 duration/],
    ['P1M', /REVERIFY_INTERVAL: an ISO-8601 duration/],
    ['PT5S', /REVERIFY_INTERVAL: at least PT10S/],
    ['P100D', /REVERIFY_INTERVAL: at most P90D/],
  ])('names %j at cold start', (value, message) => {
    expect(() => parseConfig(localEnv({ REVERIFY_INTERVAL: value }))).toThrow(ConfigError);
    expect(() => parseConfig(localEnv({ REVERIFY_INTERVAL: value }))).toThrow(message);
  });
});

describe('VENDOR_PRINCIPAL', () => {
  it('defaults to the vendor account root, as the seeds grant it', () => {
    expect(parseConfig(localEnv()).vendor.principalArn).toBe('arn:aws:iam::830241207209:root');
    expect(parseConfig(localEnv({ VENDOR_PRINCIPAL: 'root' })).vendor.principalArn).toBe('arn:aws:iam::830241207209:root');
    expect(parseConfig(localEnv({ VENDOR_PRINCIPAL: '' })).vendor.principalArn).toBe('arn:aws:iam::830241207209:root');
  });

  it('takes one role of the vendor account, path included', () => {
    const role = 'arn:aws:iam::830241207209:role/integrations/WandbIntegration';
    expect(parseConfig(localEnv({ VENDOR_PRINCIPAL: role })).vendor).toEqual({ accountId: '830241207209', name: 'Example Vendor', principalArn: role });
  });

  it('refuses a role of another account than VENDOR_ACCOUNT_ID, saying which account it must be', () => {
    const attempt = () => parseConfig(localEnv({ VENDOR_PRINCIPAL: 'arn:aws:iam::111122223333:role/WandbIntegration' }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/VENDOR_PRINCIPAL: must be a role in the vendor account VENDOR_ACCOUNT_ID/);
  });

  it.each(['arn:aws:iam::830241207209:user/alice', 'arn:aws:iam::830241207209:root', '830241207209', '*', 'arn:aws:sts::830241207209:assumed-role/WandbIntegration/s'])(
    'refuses %s: only "root" or a role ARN',
    (value) => {
      expect(() => parseConfig(localEnv({ VENDOR_PRINCIPAL: value }))).toThrow(/VENDOR_PRINCIPAL: "root" or an IAM role ARN/);
    },
  );
});

import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../lib/config.js';
import { makeBucketClients } from '../../../lib/wiring/request-clients.js';
import { localEnv, sequentialIds, T0 } from '../../support/fakes.js';
import { MemoryStore } from '../../support/memory-store.js';
import { directRecord, quickCreateRecord } from '../../support/records.js';

// Whose credentials check a request's bucket: a quick-create bucket and key grant only the vendor
// principal, so with VENDOR_PRINCIPAL a role the checks act as that role (no ExternalId: it is the
// vendor's own); with the account root, and for the vendor's own stacks, the function's credentials.
const stsMock = mockClient(STSClient);
// The function's own credentials, as Lambda sets them.
beforeEach(() => vi.stubEnv('AWS_ACCESS_KEY_ID', 'FUNCTION').stubEnv('AWS_SECRET_ACCESS_KEY', 'secret'));
afterEach(() => vi.unstubAllEnvs());
beforeEach(() => stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'AKIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(T0.getTime() + 3_600_000) } }));
afterEach(() => stsMock.reset());

const ROLE = `arn:aws:iam::${parseConfig(localEnv()).vendor.accountId}:role/WandbIntegration`;
const core = { store: new MemoryStore(), ids: sequentialIds(), clock: () => T0 };
const clientsFor = (env: Record<string, string>) => makeBucketClients(parseConfig(localEnv(env)), core, new STSClient({ region: 'eu-west-1' }), 'background');

describe('makeBucketClients', () => {
  it('checks a quick-create bucket as the vendor principal role, without an ExternalId', async () => {
    const { s3, kms } = await clientsFor({ VENDOR_PRINCIPAL: ROLE })(quickCreateRecord());

    expect((await s3.config.credentials()).accessKeyId).toBe('AKIA');
    expect((await kms.config.credentials()).accessKeyId).toBe('AKIA');
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: ROLE, RoleSessionName: 'byob-vendor-principal' });
    expect(stsMock.commandCalls(AssumeRoleCommand)[0]!.args[0].input.ExternalId).toBeUndefined();
  });

  it("checks the vendor's own direct stacks with the function's credentials", async () => {
    const { s3 } = await clientsFor({ VENDOR_PRINCIPAL: ROLE })(directRecord());

    expect((await s3.config.credentials()).accessKeyId).toBe('FUNCTION');
    expect(stsMock).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it('assumes nothing for a quick-create bucket when the principal is the account root', async () => {
    const { s3 } = await clientsFor({})(quickCreateRecord());

    expect((await s3.config.credentials()).accessKeyId).toBe('FUNCTION');
    expect(stsMock).not.toHaveReceivedCommand(AssumeRoleCommand);
  });
});

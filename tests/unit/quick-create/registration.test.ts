import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../../handlers/registration.js';
import { parseConfig } from '../../../lib/config.js';
import { logger } from '../../../lib/logger.js';
import type { ByobRecord } from '../../../lib/provisioning/record.js';
import { MAX_RESPONSE_BYTES } from '../../../lib/quick-create/custom-resource.js';
import { handleRegistration, type RegistrationDeps } from '../../../lib/quick-create/registration.js';
import { FAILED_CHECKS, fakeDeps, localEnv, REGION, T0, testClock } from '../../support/fakes.js';
import {
  awaitingRecord,
  cfnRequest,
  CUSTOMER,
  customerStackOf,
  deliverTo,
  OTHER_CUSTOMER,
  readyProps,
  type ResponseServer,
  snsEvent,
  stackIdOf,
  startedProps,
  startResponseServer,
} from './support.js';
import { REQUEST_ID } from '../../support/records.js';

let server: ResponseServer;
let warn: ReturnType<typeof vi.spyOn>;
let error: ReturnType<typeof vi.spyOn>;
beforeEach(async () => {
  server = await startResponseServer();
  warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
  error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

const customerStack = (account = CUSTOMER, region = REGION) => customerStackOf(server, account, region);
const deliver = (deps: RegistrationDeps, request: object) => deliverTo(server, deps, request);

const seeded = (over: Partial<ByobRecord> = {}, opts: Parameters<typeof fakeDeps>[0] = {}) => {
  const f = fakeDeps(opts);
  f.store.seed(awaitingRecord(over));
  const current = () => f.store.current('acme', REQUEST_ID);
  return { ...f, current };
};

describe('Create "started"', () => {
  it('binds the link to the stack and its account, moves to CREATING, and answers SUCCESS as CloudFormation expects', async () => {
    const { deps, store, current, delivered } = seeded();
    const stack = customerStack();
    const request = stack.createStarted();

    const answer = await deliver(deps, request);

    const put = server.received[0]!;
    expect(put.method).toBe('PUT');
    expect(put.headers['content-type']).toBe('');
    expect(Buffer.byteLength(put.body)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(answer).toEqual({
      Status: 'SUCCESS',
      Reason: 'Registered',
      PhysicalResourceId: `${REQUEST_ID}-ByobStarted`,
      StackId: request.StackId,
      RequestId: request.RequestId,
      LogicalResourceId: 'ByobStarted',
      NoEcho: false,
      Data: {},
    });
    expect(current()).toMatchObject({
      status: 'CREATING',
      quickCreate: { boundAccountId: CUSTOMER },
      launch: { stackId: stack.stackId, stackStatus: 'CREATE_IN_PROGRESS' },
    });
    expect(store.commits.map((c) => c.after.status)).toEqual(['CREATING']);
    expect(delivered.map((r) => r.status)).toEqual(['CREATING']);
  });
});

describe('Create "ready"', () => {
  it('records the outputs (account from the StackId), answers SUCCESS, then verifies to READY', async () => {
    const { deps, store, current, verified } = seeded();
    const stack = customerStack();
    await deliver(deps, stack.createStarted());

    const request = stack.createReady();
    const answer = await deliver(deps, request);

    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${REQUEST_ID}-ByobReady`, RequestId: request.RequestId, Data: { RequestId: REQUEST_ID } });
    expect(current()).toMatchObject({
      status: 'READY',
      outputs: {
        bucketName: 'acme-omega-artifacts',
        bucketArn: 'arn:aws:s3:::acme-omega-artifacts',
        kmsKeyArn: readyProps().KmsKeyArn,
        region: REGION,
        roleArn: null,
        accountId: CUSTOMER,
      },
      verification: { status: 'passed' },
      failure: null,
    });
    expect(store.commits.map((c) => c.after.status)).toEqual(['CREATING', 'VERIFYING', 'READY']);
    expect(verified).toHaveLength(1);
  });

  it('a bucket that fails verification ends FAILED with the checks, while the stack itself completes', async () => {
    const { deps, current } = seeded({}, { verification: FAILED_CHECKS });
    const stack = customerStack();
    await deliver(deps, stack.createStarted());

    const answer = await deliver(deps, stack.createReady());

    expect(answer.Status).toBe('SUCCESS');
    expect(current()).toMatchObject({ status: 'FAILED', failure: { code: 'verification_failed' }, verification: { status: 'failed' } });
  });

  it('refuses outputs that name another bucket, and the record says why at once', async () => {
    const { deps, current } = seeded();
    const stack = customerStack();
    await deliver(deps, stack.createStarted());

    const answer = await deliver(deps, stack.createReady({ BucketName: 'someone-elses-bucket', BucketArn: 'arn:aws:s3:::someone-elses-bucket' }));

    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/BucketName someone-elses-bucket is not acme-omega-artifacts/);
    expect(current()).toMatchObject({ status: 'FAILED', failure: { code: 'registration_refused' }, outputs: null });
    // The rollback's Delete then changes nothing.
    expect((await deliver(deps, stack.deleteStarted())).Status).toBe('SUCCESS');
    expect(current().failure?.code).toBe('registration_refused');
  });

  it('refuses a key ARN from another account', async () => {
    const { deps } = seeded();
    const stack = customerStack();
    await deliver(deps, stack.createStarted());
    const answer = await deliver(deps, stack.createReady({ KmsKeyArn: `arn:aws:kms:${REGION}:${OTHER_CUSTOMER}:key/abc` }));
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/KmsKeyArn/) });
  });
});

describe('Update', () => {
  it('answers SUCCESS with the same physical id and changes nothing', async () => {
    const { deps, store, current } = seeded();
    const stack = customerStack();
    await deliver(deps, stack.createStarted());
    const commits = store.commits.length;

    const request = cfnRequest('Update', { responseUrl: server.url(), stackId: stack.stackId, physicalId: `${REQUEST_ID}-ByobStarted`, properties: startedProps() });
    const answer = await deliver(deps, request);

    expect(answer).toMatchObject({ Status: 'SUCCESS', Reason: 'No change', PhysicalResourceId: `${REQUEST_ID}-ByobStarted` });
    expect(store.commits).toHaveLength(commits);
    expect(current().status).toBe('CREATING');
  });

  it('from another account fails (so its update rolls back)', async () => {
    const { deps } = seeded();
    await deliver(deps, customerStack().createStarted());
    const other = stackIdOf(OTHER_CUSTOMER);
    const answer = await deliver(deps, cfnRequest('Update', { responseUrl: server.url(), stackId: other, properties: startedProps() }));
    expect(answer.Status).toBe('FAILED');
  });
});

describe('Delete', () => {
  it('of "started" before READY means the stack rolled back: FAILED with a reason the customer can act on', async () => {
    const { deps, current } = seeded();
    const stack = customerStack();
    await deliver(deps, stack.createStarted());

    const request = stack.deleteStarted();
    const answer = await deliver(deps, request);

    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: request.PhysicalResourceId });
    expect(current()).toMatchObject({
      status: 'FAILED',
      launch: { stackStatus: 'ROLLBACK_IN_PROGRESS' },
      failure: { code: 'stack_rolled_back', message: expect.stringMatching(/Events tab/) },
    });
  });

  it('after READY means the customer deleted the stack: DELETED (the Delete of "ready" alone changes nothing)', async () => {
    const { deps, current } = seeded();
    const stack = customerStack();
    await deliver(deps, stack.createStarted());
    await deliver(deps, stack.createReady());

    expect((await deliver(deps, stack.deleteReady())).Status).toBe('SUCCESS');
    expect(current().status).toBe('READY');
    expect((await deliver(deps, stack.deleteStarted())).Status).toBe('SUCCESS');
    expect(current().status).toBe('DELETED');
  });

  it('always succeeds, even with a bad token or for an unknown request, and changes nothing', async () => {
    const { deps, store } = seeded();
    const stack = customerStack();
    await deliver(deps, stack.createStarted());
    const commits = store.commits.length;

    const bad = await deliver(deps, stack.deleteStarted({ Token: 'wrong-token-wrong-token' }));
    const unknown = await deliver(deps, stack.deleteStarted({ RequestId: 'byob_01JQC0000000000000000ZZZZZ' }));
    const garbage = await deliver(deps, cfnRequest('Delete', { responseUrl: server.url(), stackId: stack.stackId, properties: { Anything: 'else' } }));

    expect([bad.Status, unknown.Status, garbage.Status]).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(store.commits).toHaveLength(commits);
  });
});

describe('refusals', () => {
  it('a bad token is FAILED with a reason, and the record is untouched', async () => {
    const { deps, store, current } = seeded();
    const answer = await deliver(deps, customerStack().createStarted({ Token: 'not-the-token-at-all' }));
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/token is not valid/) });
    expect(store.commits).toEqual([]);
    expect(current().status).toBe('AWAITING_CUSTOMER');
  });

  it('a second AWS account using a bound link is refused; its rollback changes nothing', async () => {
    const { deps, store, current } = seeded();
    await deliver(deps, customerStack().createStarted());
    const before = current();

    const intruder = customerStack(OTHER_CUSTOMER);
    const started = await deliver(deps, intruder.createStarted());
    const ready = await deliver(deps, intruder.createReady());
    const rollback = await deliver(deps, intruder.deleteStarted());

    expect(started).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/another AWS account/) });
    expect(ready.Status).toBe('FAILED');
    expect(rollback.Status).toBe('SUCCESS');
    expect(current()).toEqual(before);
    expect(store.commits).toHaveLength(1);
  });

  it('a second stack in the same account is refused too, and its rollback does not fail the first', async () => {
    const { deps, current } = seeded();
    const first = customerStack();
    await deliver(deps, first.createStarted());

    const second = customerStack();
    const answer = await deliver(deps, second.createStarted());
    await deliver(deps, second.deleteStarted());

    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/already used for stack byob-01jqc/) });
    expect(current()).toMatchObject({ status: 'CREATING', launch: { stackId: first.stackId } });
  });

  it('a stack in another region than the link\'s is refused', async () => {
    const { deps, store } = seeded();
    const answer = await deliver(deps, customerStack(CUSTOMER, 'us-west-2').createStarted());
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: `This link is for region ${REGION}; launch it there.` });
    expect(store.commits).toEqual([]);
  });

  it('an expired link is refused, before and after the reconciler marks it EXPIRED; the rollback leaves it as it is', async () => {
    const clock = testClock(new Date(T0.getTime() + 73 * 3_600_000));
    const { deps, store, current } = seeded({}, { clock: clock.now });
    const stack = customerStack();

    const answer = await deliver(deps, stack.createStarted());
    await deliver(deps, stack.deleteStarted());
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/expired/) });
    expect(current().status).toBe('AWAITING_CUSTOMER');

    store.seed({ ...current(), status: 'EXPIRED', dueAt: null });
    expect((await deliver(deps, customerStack().createStarted())).Reason).toMatch(/expired/);
    expect(current().status).toBe('EXPIRED');
    expect(store.commits).toEqual([]);
  });

  it('a request cancelled in the portal refuses its link', async () => {
    const { deps } = seeded({ status: 'DELETED', dueAt: null });
    expect((await deliver(deps, customerStack().createStarted())).Reason).toMatch(/cancelled/);
  });
});

describe('replays (SNS delivers at least once)', () => {
  it('the same request twice gets the same answer and one transition', async () => {
    const { deps, store } = seeded();
    const stack = customerStack();
    const started = stack.createStarted();
    const ready = stack.createReady();
    const rollback = stack.deleteStarted();

    const a1 = await deliver(deps, started);
    const a2 = await deliver(deps, started);
    const r1 = await deliver(deps, ready);
    const r2 = await deliver(deps, ready);

    expect(a2).toEqual(a1);
    expect(r2).toEqual(r1);
    expect(store.commits.map((c) => c.after.status)).toEqual(['CREATING', 'VERIFYING', 'READY']);

    const d1 = await deliver(deps, rollback);
    const d2 = await deliver(deps, rollback);
    expect(d2).toEqual(d1);
    expect(store.commits.map((c) => c.after.status)).toEqual(['CREATING', 'VERIFYING', 'READY', 'DELETED']);
  });

  it('a refusal replayed is the same refusal', async () => {
    const { deps } = seeded();
    const request = customerStack().createStarted({ Token: 'not-the-token-at-all' });
    expect(await deliver(deps, request)).toEqual(await deliver(deps, request));
  });

  it('a concurrent write between read and commit is re-read and applied once', async () => {
    const { deps, store, current } = seeded();
    let raced = false;
    store.beforeCommit = async () => {
      if (raced) return;
      raced = true;
      // e.g. a webhook summary written by another invocation: same status, new version.
      await store.patch(current(), { tags: { touched: 'yes' } }, T0.toISOString());
    };
    const answer = await deliver(deps, customerStack().createStarted());
    expect(answer.Status).toBe('SUCCESS');
    expect(current()).toMatchObject({ status: 'CREATING', tags: { touched: 'yes' } });
  });
});

describe('sizes and shapes', () => {
  it('oversized properties get a FAILED answer that still fits in 4096 bytes and echoes the ids', async () => {
    const { deps, store } = seeded();
    const huge = 'x'.repeat(100_000);
    const request = customerStack().createStarted({ BucketName: huge, Token: huge, Extra: { nested: [huge, huge] } });

    const answer = await deliver(deps, request);

    expect(Buffer.byteLength(server.received[0]!.body)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(answer).toMatchObject({ Status: 'FAILED', StackId: request.StackId, RequestId: request.RequestId, LogicalResourceId: 'ByobStarted' });
    expect(store.commits).toEqual([]);
  });

  it('malformed JSON is not answered (there is nowhere to answer) and is logged', async () => {
    const { deps } = seeded();
    await makeHandler(deps)(snsEvent('{"RequestType": "Create", "ResponseURL": '));
    expect(server.received).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/not JSON/), expect.anything());
  });

  it('a message that is not a custom resource request (a stack notification) is not answered, and is logged', async () => {
    const { deps } = seeded();
    const notification = "StackId='arn:aws:cloudformation:eu-central-1:111111111111:stack/x/y'\nResourceStatus='CREATE_COMPLETE'";
    await makeHandler(deps)(snsEvent(notification, JSON.stringify({ Type: 'Notification', Message: 'hello' })));
    expect(server.received).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('a request with an unknown RequestType is still answered (FAILED), never left hanging', async () => {
    const { deps } = seeded();
    const request = { ...customerStack().createStarted(), RequestType: 'Explode' };
    expect(await deliver(deps, request)).toMatchObject({ Status: 'FAILED', RequestId: request.RequestId });
  });
});

describe('the ResponseURL', () => {
  it('outside CloudFormation\'s S3 endpoints is never called (SSRF); loopback only in local mode', async () => {
    const { deps, store } = seeded({}, { config: parseConfig(localEnv({ LOCAL_MODE: 'false' })) });
    const stack = stackIdOf();
    for (const responseUrl of [server.url(), 'http://169.254.169.254/latest/meta-data/', 'https://attacker.example.com/x', 'https://evil.s3.amazonaws.com.attacker.example/x']) {
      const request = cfnRequest('Create', { responseUrl, stackId: stack });
      expect(await handleRegistration(deps, JSON.stringify(request))).toBeNull();
    }
    expect(server.received).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(4);
    expect(store.commits).toEqual([]);
  });

  it('a server that fails once gets the same answer again', async () => {
    await server.close();
    server = await startResponseServer([{ status: 503 }, { status: 200 }]);
    const { deps, current } = seeded();

    await makeHandler(deps)(snsEvent(JSON.stringify(customerStack().createStarted())));

    expect(server.received).toHaveLength(2);
    expect(server.received[1]!.body).toBe(server.received[0]!.body);
    expect(current().status).toBe('CREATING');
  });

  it('an answer that cannot be delivered fails the invocation (Lambda retries), after the state is recorded; the retry changes nothing', async () => {
    const { deps, store, current } = seeded();
    const failing: RegistrationDeps = { ...deps, sendCfnResponse: async () => Promise.reject(new Error('ResponseURL answered 500')) };
    const request = customerStack().createStarted();

    await expect(makeHandler(failing)(snsEvent(JSON.stringify(request)))).rejects.toThrow(/500/);
    expect(current().status).toBe('CREATING');
    expect(error).toHaveBeenCalledWith('could not answer CloudFormation', expect.anything());

    const retried = await deliver(deps, request);
    expect(retried).toMatchObject({ Status: 'SUCCESS', Reason: 'Registered' });
    expect(store.commits).toHaveLength(1);
  });

  it('one undeliverable answer in a batch does not keep the others from being answered', async () => {
    const { deps } = seeded();
    const sent: string[] = [];
    const flaky: RegistrationDeps = {
      ...deps,
      sendCfnResponse: async (_url, response) => {
        if (response.LogicalResourceId === 'First') throw new Error('down');
        sent.push(response.LogicalResourceId);
      },
    };
    const stack = stackIdOf();
    const first = cfnRequest('Delete', { responseUrl: server.url(), stackId: stack, logicalId: 'First' });
    const second = cfnRequest('Delete', { responseUrl: server.url(), stackId: stack, logicalId: 'Second' });
    await expect(makeHandler(flaky)(snsEvent(JSON.stringify(first), JSON.stringify(second)))).rejects.toThrow('down');
    expect(sent).toEqual(['Second']);
  });
});

describe('our own errors', () => {
  it('a store failure is answered FAILED on Create and SUCCESS on Delete, and logged', async () => {
    const { deps, store } = seeded();
    store.findById = async () => Promise.reject(new Error('DynamoDB is down'));
    const stack = customerStack();

    const created = await deliver(deps, stack.createStarted());
    const deleted = await deliver(deps, stack.deleteStarted());

    expect(created).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/could not record this registration/) });
    expect(created.Reason).not.toMatch(/DynamoDB/);
    expect(deleted.Status).toBe('SUCCESS');
    expect(error).toHaveBeenCalledWith('registration failed', expect.anything());
  });

  it("AWS failing is not the customer's stack failing: no answer yet, the invocation fails for Lambda to retry, and the retry answers", async () => {
    const { deps, store, current } = seeded();
    const findById = store.findById.bind(store);
    store.findById = async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    const stack = customerStack();
    const event = snsEvent(JSON.stringify(stack.createStarted()));

    await expect(makeHandler(deps)(event)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(server.received).toHaveLength(0);
    expect(current().status).toBe('AWAITING_CUSTOMER');

    store.findById = findById;
    await makeHandler(deps)(event);

    expect(server.answers()).toEqual([expect.objectContaining({ Status: 'SUCCESS' })]);
    expect(current().status).toBe('CREATING');
  });

  it('a verification that throws after the answer leaves VERIFYING for the reconciler, the stack already answered', async () => {
    const { deps, current } = seeded();
    const broken: RegistrationDeps = { ...deps, verify: async () => Promise.reject(new Error('S3 timeout')) };
    const stack = customerStack();
    await deliver(broken, stack.createStarted());

    expect((await deliver(broken, stack.createReady())).Status).toBe('SUCCESS');
    expect(current().status).toBe('VERIFYING');
    expect(error).toHaveBeenCalledWith('work after the registration answer failed', expect.anything());
  });
});

import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../lib/errors.js';
import { requestTemplate } from '../../../lib/provisioning/request-template.js';
import { REGION } from '../../support/fakes.js';
import { DIRECT_STACK_ID, pendingRecord, quickCreateRecord, readyRecord } from '../../support/records.js';

// A direct stack's template comes from CloudFormation (launched with its body, nothing stored); a
// quick-create one's from the templates bucket (the customer's stack is out of reach).
const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
afterEach(() => {
  cfnMock.reset();
  s3Mock.reset();
});

const sources = { clientsFor: async () => ({ cfn: new CloudFormationClient({ region: REGION }) }), vendorS3: () => new S3Client({ region: REGION }) };
const body = (text: string) => ({ Body: { transformToString: async () => text } as never });

describe('requestTemplate', () => {
  it("asks CloudFormation for a direct stack's template, as submitted", async () => {
    cfnMock.on(GetTemplateCommand).resolves({ TemplateBody: '{"Resources":{"ByobBucket":{}}}' });

    expect(await requestTemplate(sources, readyRecord())).toEqual({ Resources: { ByobBucket: {} } });
    expect(cfnMock).toHaveReceivedCommandWith(GetTemplateCommand, { StackName: DIRECT_STACK_ID, TemplateStage: 'Original' });
    expect(s3Mock.calls()).toEqual([]);
  });

  it('answers 404 for a direct stack CloudFormation no longer knows', async () => {
    cfnMock.on(GetTemplateCommand).rejects(Object.assign(new Error(`Stack with id ${DIRECT_STACK_ID} does not exist`), { name: 'ValidationError' }));

    await expect(requestTemplate(sources, readyRecord())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers 409 for a direct request whose stack is not launched yet', async () => {
    await expect(requestTemplate(sources, pendingRecord({ templateKey: '' }))).rejects.toBeInstanceOf(ConflictError);
    expect(cfnMock.calls()).toEqual([]);
  });

  it('reads a quick-create request\'s stored template', async () => {
    const record = quickCreateRecord();
    s3Mock.on(GetObjectCommand, { Bucket: record.templateBucket, Key: record.templateKey }).resolves(body('{"Parameters":{"RegistrationToken":{}}}'));

    expect(await requestTemplate(sources, record)).toEqual({ Parameters: { RegistrationToken: {} } });
    expect(cfnMock.calls()).toEqual([]);
  });

  it('answers 404 for a quick-create request with no stored template', async () => {
    await expect(requestTemplate(sources, quickCreateRecord({ templateKey: '' }))).rejects.toBeInstanceOf(NotFoundError);
  });
});

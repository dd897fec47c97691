import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { storeTemplate } from '../../../lib/provisioning/template-upload.js';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'eu-west-1' });
afterEach(() => s3Mock.reset());

const input = { bucket: 'byob-dev-templates-eu-west-1', region: 'eu-west-1', requestId: 'byob_01JQC00000000000000000TEST', nonce: 'n0nce', body: '{"Resources":{}}' };

describe('storeTemplate', () => {
  it('puts the template as JSON, never cached, under the request id and an unguessable nonce', async () => {
    s3Mock.on(PutObjectCommand).resolves({});

    const stored = await storeTemplate(s3, input);

    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'byob-dev-templates-eu-west-1',
      Key: 'templates/byob_01JQC00000000000000000TEST/n0nce.json',
      Body: '{"Resources":{}}',
      ContentType: 'application/json',
      CacheControl: 'no-store',
    });
    expect(stored).toEqual({
      bucket: 'byob-dev-templates-eu-west-1',
      key: 'templates/byob_01JQC00000000000000000TEST/n0nce.json',
      url: 'https://byob-dev-templates-eu-west-1.s3.eu-west-1.amazonaws.com/templates/byob_01JQC00000000000000000TEST/n0nce.json',
    });
  });

  it('lets an S3 failure through (the caller fails the request)', async () => {
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    await expect(storeTemplate(s3, input)).rejects.toThrow('Access Denied');
  });
});

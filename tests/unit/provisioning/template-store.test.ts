import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { readTemplate, templateKeyOf, templateUrlOf } from '../../../lib/provisioning/template-store.js';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'eu-west-1' });
afterEach(() => s3Mock.reset());

describe('templateUrlOf', () => {
  it("is the virtual-hosted URL in the bucket's region (what CreateStack and the console read)", () => {
    expect(templateUrlOf('byob-dev-templates-us-east-1', 'us-east-1', 'templates/r/n.json')).toBe('https://byob-dev-templates-us-east-1.s3.us-east-1.amazonaws.com/templates/r/n.json');
  });
});

describe('templateKeyOf', () => {
  it('is under the request id and the nonce', () => {
    expect(templateKeyOf('byob_01JQC00000000000000000TEST', 'n0nce')).toBe('templates/byob_01JQC00000000000000000TEST/n0nce.json');
  });
});

describe('readTemplate', () => {
  it('reads the stored template back as JSON', async () => {
    s3Mock.on(GetObjectCommand, { Bucket: 'b', Key: 'templates/r/n.json' }).resolves({ Body: { transformToString: async () => '{"Resources":{"A":{}}}' } as never });

    expect(await readTemplate(s3, 'b', 'templates/r/n.json')).toEqual({ Resources: { A: {} } });
  });
});

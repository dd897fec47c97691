import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

// Where rendered templates are kept: the vendor's templates bucket per region. Storing one is
// template-upload.ts, a module of its own: its PutObject brings the SDK's checksum middleware (~4 KB
// gzip, ~4 ms of cold start), which only the functions that store templates carry (not GET /template).

/** Where a rendered template was stored. */
export interface StoredTemplate {
  bucket: string;
  key: string;
  /** Virtual-hosted https URL: what CreateStack and the quick-create console read. */
  url: string;
}

/** Where a request's template stored with `nonce` is kept: known before it is stored, so a record can name it first. */
export const templateKeyOf = (requestId: string, nonce: string): string => `templates/${requestId}/${nonce}.json`;

/** The virtual-hosted URL of a stored template. */
export const templateUrlOf = (bucket: string, region: string, key: string): string => `https://${bucket}.s3.${region}.amazonaws.com/${key}`;

/** Reads a stored template back as JSON. */
export const readTemplate = async (s3: S3Client, bucket: string, key: string): Promise<unknown> => {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await out.Body?.transformToString('utf8')) ?? 'null') as unknown;
};

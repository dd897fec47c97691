import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Where a rendered template was stored. */
export interface StoredTemplate {
  bucket: string;
  key: string;
  /** Virtual-hosted https URL: what CreateStack and the quick-create console read. */
  url: string;
}

/**
 * Stores a rendered template under an unguessable key in the region's templates bucket. The
 * templates/ prefix is readable by anyone holding the URL (quick-create needs that; a presigned URL
 * with a session token does not fit the console's 1024-character limit), so a template never holds a
 * secret: the registration token in it is a plain parameter whose hash alone is stored.
 */
export const storeTemplate = async (
  s3: S3Client,
  input: { bucket: string; region: string; requestId: string; nonce: string; body: string },
): Promise<StoredTemplate> => {
  const key = templateKeyOf(input.requestId, input.nonce);
  await s3.send(
    new PutObjectCommand({
      Bucket: input.bucket,
      Key: key,
      Body: input.body,
      ContentType: 'application/json',
      CacheControl: 'no-store',
    }),
  );
  return { bucket: input.bucket, key, url: templateUrlOf(input.bucket, input.region, key) };
};

/** Where a request's template stored with `nonce` is kept: known before it is stored, so a record can name it first. */
export const templateKeyOf = (requestId: string, nonce: string): string => `templates/${requestId}/${nonce}.json`;

/** The virtual-hosted URL of a stored template. */
export const templateUrlOf = (bucket: string, region: string, key: string): string => `https://${bucket}.s3.${region}.amazonaws.com/${key}`;

/** Reads a stored template back as JSON. */
export const readTemplate = async (s3: S3Client, bucket: string, key: string): Promise<unknown> => {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await out.Body?.transformToString('utf8')) ?? 'null') as unknown;
};

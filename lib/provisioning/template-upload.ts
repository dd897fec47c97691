import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type StoredTemplate, templateKeyOf, templateUrlOf } from './template-store.js';

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


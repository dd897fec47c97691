/**
 * Whether a failed S3 call says the bucket does not exist: HTTP 404, or the NotFound (HeadBucket) or
 * NoSuchBucket code. One rule for the verifier's bucket-exists check and for adopting a retained bucket.
 */
export const isMissingBucket = (status: number | undefined, name: string): boolean => status === 404 || name === 'NotFound' || name === 'NoSuchBucket';

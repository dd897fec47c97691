import { type ExistingVerifierDeps, existingVerifierDeps } from '../lib/wiring/existing-verifier.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { VerifyExistingRequest, verifyExisting } from '../lib/verify/existing.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** POST /byob/verify: checks a bucket that was not provisioned here (AWS, or S3-compatible by connection string). */
export const makeHandler = (d: ExistingVerifierDeps) =>
  httpHandler(d, { body: VerifyExistingRequest }, async ({ body, tenant }) => ({
    statusCode: 200,
    body: await verifyExisting(d.existingVerifier(tenant), body),
  }));

export const handler = lazyHandler(() => makeHandler(existingVerifierDeps()));

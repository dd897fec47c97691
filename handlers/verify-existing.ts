import { type Deps, deps } from '../lib/deps.js';
import { httpHandler } from '../lib/http.js';
import { VerifyExistingRequest, verifyExisting } from '../lib/verify-existing.js';

/** POST /byob/verify: checks a bucket that was not provisioned here (AWS, or S3-compatible by connection string). */
export const makeHandler = (d: Deps) =>
  httpHandler(d, { body: VerifyExistingRequest }, async ({ body }) => ({
    statusCode: 200,
    body: await verifyExisting(d.existingVerifier(), body),
  }));

export const handler = makeHandler(deps());

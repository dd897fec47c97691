import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFoundError, toProblem } from '../lib/errors.js';
import { SECURITY_HEADERS } from '../lib/http/security-headers.js';
import { assetNamed } from '../lib/onboarding/assets.js';

/** GET /assets/{file} (public): the onboarding page's script and stylesheet, cached for good under their hashed names. */
export const handler = async (event: APIGatewayProxyEventV2) => {
  const asset = assetNamed(event.pathParameters?.file ?? '');
  if (!asset) {
    return { statusCode: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'application/problem+json' }, body: JSON.stringify(toProblem(new NotFoundError('asset'))) };
  }
  return {
    statusCode: 200,
    headers: { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'cache-control': 'public, max-age=31536000, immutable' },
    body: asset.body,
  };
};

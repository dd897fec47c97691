import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { REGISTRATION_TOKEN_PARAMETER } from '../../templates/spec.js';

/** The console's limit on a quick-create link. */
export const QUICK_CREATE_URL_MAX = 1024;

/** Thrown when a link would exceed the console's limit. */
export class QuickCreateUrlTooLongError extends Error {
  override name = 'QuickCreateUrlTooLongError';
}

/**
 * The CloudFormation console's quick-create link for a template in S3. The registration token rides as a
 * plain parameter (the console drops NoEcho values); the customer can edit every value, which is why the
 * registration handler checks the token and binds the first account that uses it.
 */
export const quickCreateUrl = (input: { region: string; templateUrl: string; stackName: string; token: string }): string => {
  // The region becomes part of the console's host name: only a region code may go there.
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(input.region)) throw new RangeError(`${input.region} is not an AWS region code`);
  const query = [
    `templateURL=${encodeURIComponent(input.templateUrl)}`,
    `stackName=${encodeURIComponent(input.stackName)}`,
    `param_${REGISTRATION_TOKEN_PARAMETER}=${encodeURIComponent(input.token)}`,
  ].join('&');
  const url = `https://${input.region}.console.aws.amazon.com/cloudformation/home?region=${input.region}#/stacks/quickcreate?${query}`;
  if (url.length > QUICK_CREATE_URL_MAX) {
    throw new QuickCreateUrlTooLongError(`quick-create link is ${url.length} characters; the console accepts ${QUICK_CREATE_URL_MAX}`);
  }
  return url;
};

/** SHA-256 of a registration token: the only form in which the token is stored. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Constant-time comparison of a presented token with the stored hash. */
export const tokenMatches = (presented: string, storedHash: string): boolean => {
  const a = Buffer.from(hashToken(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * A request's registration token: HMAC-SHA256 of its id under the service's link key. Unguessable and
 * unique per request, yet never stored: the record keeps only its hash and the link without it, and an
 * authenticated read derives it again. Rotating the key invalidates every outstanding link.
 */
export const registrationToken = (linkKey: string, requestId: string): string =>
  createHmac('sha256', linkKey).update(`byob-registration:${requestId}`, 'utf8').digest('base64url');

const TOKEN_PARAM = `&param_${REGISTRATION_TOKEN_PARAMETER}=`;

/** The link as stored: everything but the token parameter. */
export const withoutToken = (link: string): string => {
  const at = link.indexOf(TOKEN_PARAM);
  return at < 0 ? link : link.slice(0, at);
};

/** The stored link with the request's token appended (what the customer clicks). */
export const withToken = (storedLink: string, linkKey: string, requestId: string): string =>
  `${storedLink}${TOKEN_PARAM}${encodeURIComponent(registrationToken(linkKey, requestId))}`;

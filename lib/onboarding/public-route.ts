import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { asAppError, type Problem, toProblem } from '../errors.js';
import { logger } from '../logger.js';
import type { ByobRecord } from '../provisioning/record.js';
import { type OnboardingDeps, openOnboarding } from './access.js';

/** How a public onboarding route answers an opened record, and a link that opens nothing. */
export interface OnboardingAnswers {
  /** `statusUrl`: the status endpoint relative to the page, with the same token. */
  ok(record: ByobRecord, statusUrl: string): APIGatewayProxyStructuredResultV2;
  fail(problem: Problem): APIGatewayProxyStructuredResultV2;
}

/**
 * A public route under /onboarding/{id}?t=<token>: no bearer token, the link is the credential. Every
 * failure becomes a problem with no record data in it (one mapping, `toProblem`; a 5xx never echoes
 * internals), which `fail` renders as the route's format.
 */
export const onboardingRoute = (d: OnboardingDeps, answers: OnboardingAnswers) => async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const id = event.pathParameters?.id ?? '';
  const token = event.queryStringParameters?.t;
  try {
    const record = await openOnboarding(d, id, token);
    return answers.ok(record, `${encodeURIComponent(id)}/status?t=${encodeURIComponent(token ?? '')}`);
  } catch (e) {
    const problem = toProblem(e);
    if (problem.status >= 500) logger.error('onboarding route failed', { error: e as Error, path: event.rawPath });
    const answer = answers.fail(problem);
    const retryAfter = asAppError(e)?.retryAfterSeconds;
    return retryAfter === undefined ? answer : { ...answer, headers: { ...answer.headers, 'retry-after': String(retryAfter) } };
  }
};

import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { onboardingLinker } from '../onboarding/link.js';
import { type ByobRecord, revisionOf, toView } from '../provisioning/record.js';
import type { ByobView } from '../provisioning/view.js';
import type { HttpResult } from './http-handler.js';
import { etagOf } from './if-match.js';

/**
 * How the authenticated routes show records: with the usable quick-create link, the onboarding page
 * link (issued now) and the deployment's latest template version.
 */
export const authenticatedView = (d: { config: Config; clock: Clock }): ((record: ByobRecord) => ByobView) => {
  const context = { latestTemplateVersion: d.config.templateVersion, linkKey: d.config.quickCreateLinkKey, onboardingUrl: onboardingLinker(d) };
  return (record) => toView(record, context);
};

/** An answer carrying one record, with its revision as ETag (what If-Match names on the next change). */
export const recordAnswer = (d: { config: Config; clock: Clock }, statusCode: number, record: ByobRecord): HttpResult => ({
  statusCode,
  body: authenticatedView(d)(record),
  headers: { etag: etagOf(revisionOf(record)) },
});

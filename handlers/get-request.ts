import { type CoreDeps, coreDeps } from '../lib/wiring/core.js';
import { NotFoundError } from '../lib/errors.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { recordAnswer } from '../lib/http/record-answer.js';
import { IdPath } from '../lib/http/route-params.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** GET /byob/{id}: served from DynamoDB only, so polling costs CloudFormation nothing. */
export const makeHandler = (d: CoreDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => {
    const record = await d.store.get(tenant, params.id);
    if (!record) throw new NotFoundError();
    return recordAnswer(d, 200, record);
  });

export const handler = lazyHandler(() => makeHandler(coreDeps()));

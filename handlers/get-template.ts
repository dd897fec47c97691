import { type TemplateReadDeps, templateReadDeps } from '../lib/wiring/template-read.js';
import { NotFoundError } from '../lib/errors.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { IdPath } from '../lib/http/route-params.js';
import { requestTemplate } from '../lib/provisioning/request-template.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** GET /byob/{id}/template: the template the request's stack runs, or the quick-create link's. */
export const makeHandler = (d: TemplateReadDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => {
    const record = await d.store.get(tenant, params.id);
    if (!record) throw new NotFoundError();
    return { statusCode: 200, body: await requestTemplate(d, record) };
  });

export const handler = lazyHandler(() => makeHandler(templateReadDeps()));

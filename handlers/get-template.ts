import { type TemplateReadDeps, templateReadDeps } from '../lib/wiring/template-read.js';
import { NotFoundError } from '../lib/errors.js';
import { httpHandler } from '../lib/http/http-handler.js';
import { IdPath } from '../lib/http/route-params.js';
import { readTemplate } from '../lib/provisioning/template-store.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** GET /byob/{id}/template: the template exactly as it was stored and launched. */
export const makeHandler = (d: TemplateReadDeps) =>
  httpHandler(d, { params: IdPath }, async ({ params, tenant }) => {
    const record = await d.store.get(tenant, params.id);
    if (!record?.templateKey) throw new NotFoundError();
    const template = await readTemplate(d.vendorS3(record.region), record.templateBucket, record.templateKey);
    return { statusCode: 200, body: template };
  });

export const handler = lazyHandler(() => makeHandler(templateReadDeps()));

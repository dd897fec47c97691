import * as z from 'zod/mini';
import '../validation/messages.js';
import { RequestId } from '../identifiers.js';
import { Status } from '../provisioning/state-machine.js';

// The path and query schemas of the read routes, apart from lib/provisioning/request.ts so that GET handlers do
// not construct the request-body and view schemas at start-up (~6 ms of a cold import).

/** Query of GET /byob. */
export const ListQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
  cursor: z.optional(z.string().check(z.maxLength(1024))),
  status: z.optional(Status),
});

/** Path of /byob/{id} routes. */
export const IdPath = z.strictObject({
  id: RequestId,
});

import * as z from 'zod';
import { RequestId } from '../identifiers.js';
import { Status } from '../provisioning/state-machine.js';

// The path and query schemas of the read routes, apart from lib/provisioning/request.ts so that GET handlers do
// not construct the request-body and view schemas at start-up (~6 ms of a cold import).

/** Query of GET /byob. */
export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(1024).optional(),
  status: Status.optional(),
});

/** Path of /byob/{id} routes. */
export const IdPath = z.strictObject({
  id: RequestId,
});

import * as z from 'zod/mini';
import '../validation/messages.js';
import { RequestId } from '../identifiers.js';
import { Status } from '../provisioning/state-machine.js';

// The path and query schemas of the read routes, apart from lib/provisioning/request.ts so that GET handlers do
// not construct the request-body schema at start-up (~4.5 ms of a cold import's CPU; bench/README.md).

// Built by a call marked pure, so that the routes that take only a path drop it: zod/mini's `.check()`
// is a method call, which a bundler otherwise keeps.
const listQuery = /* @__NO_SIDE_EFFECTS__ */ () =>
  z.strictObject({
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
    cursor: z.optional(z.string().check(z.maxLength(1024))),
    status: z.optional(Status),
  });

/** Query of GET /byob. */
export const ListQuery = listQuery();

/** Path of /byob/{id} routes. */
export const IdPath = z.strictObject({
  id: RequestId,
});

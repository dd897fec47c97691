import * as z from 'zod';

// The path and query schemas of the read routes, apart from lib/provisioning/request.ts so that GET handlers do
// not construct the request-body and view schemas at start-up (~6 ms of a cold import).

/** Statuses of a BYOB request. */
export const Status = z.enum([
  'PENDING',
  'AWAITING_CUSTOMER',
  'CREATING',
  'VERIFYING',
  'READY',
  'FAILED',
  'EXPIRED',
  'DELETING',
  'DELETED',
]);
/** A BYOB status. */
export type Status = z.infer<typeof Status>;

/** Query of GET /byob. */
export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(1024).optional(),
  status: Status.optional(),
});

/** Path of /byob/{id} routes. */
export const IdPath = z.strictObject({
  id: z.string().regex(/^byob_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a BYOB request id (byob_ followed by 26 characters)'),
});

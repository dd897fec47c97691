import { type Deps, deps } from '../lib/deps.js';
import { reconcile } from '../lib/reconcile.js';

/** Schedule (every minute): overdue requests and due webhooks. */
export const makeHandler = (d: Deps) => async () => reconcile(d);

export const handler = makeHandler(deps());

import { type ReconcileTierDeps, reconcileTierDeps } from '../lib/wiring/provisioning.js';
import { reconcile } from '../lib/provisioning/reconcile.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** Schedule (every minute): overdue requests and due webhooks. */
export const makeHandler = (d: ReconcileTierDeps) => async () => reconcile(d);

export const handler = lazyHandler(() => makeHandler(reconcileTierDeps()));

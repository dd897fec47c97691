import { backgroundDeps, type Deps } from '../lib/wiring/deps.js';
import { reconcile } from '../lib/provisioning/reconcile.js';
import { lazyHandler } from '../lib/wiring/once.js';

/** Schedule (every minute): overdue requests and due webhooks. */
export const makeHandler = (d: Deps) => async () => reconcile(d);

export const handler = lazyHandler(() => makeHandler(backgroundDeps()));

import { requestIdFromStackName } from '../ids.js';
import { logger } from '../logger.js';
import { onStackNotification, type ProvisioningDeps } from './workflow.js';
import { parseStackNotification, type SnsRecord } from './stack-notification.js';

/** Applies every stack notification of an SNS batch; a bad message is logged and skipped, never retried forever. */
export const handleStackEvents = async (deps: ProvisioningDeps, records: SnsRecord[]): Promise<void> => {
  const tenantOf = async (id: string) => (await deps.store.findById(id))?.tenant ?? null;
  for (const r of records) {
    const n = parseStackNotification(r.Sns.Message);
    const requestId = n ? requestIdFromStackName(n.stackName) : null;
    if (!n || !requestId) {
      logger.warn('ignored a notification that is not about a BYOB stack', { messageId: r.Sns.MessageId });
      continue;
    }
    await onStackNotification(deps, tenantOf, requestId, n);
  }
};

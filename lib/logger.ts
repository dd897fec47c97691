import { Logger } from '@aws-lambda-powertools/logger';

/** The one structured logger; request bodies and secrets are never passed to it. */
export const logger = new Logger({ serviceName: 'byob' });

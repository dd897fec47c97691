import type { S3Client } from '@aws-sdk/client-s3';
import { ConflictError, NotFoundError } from '../errors.js';
import type { ByobRecord } from './record.js';
import { stackTemplate } from './stacks.js';
import { readTemplate } from './template-store.js';
import type { StackClients } from './workflow.js';

/** What reading a request's template needs: its stack's client, and the vendor's templates bucket. */
export interface TemplateSources {
  clientsFor(record: ByobRecord): Promise<StackClients>;
  vendorS3(region: string): S3Client;
}

/**
 * A request's template. A direct stack's is asked of CloudFormation (GetTemplate): it is launched with
 * the template as its body, nothing stored, and what CloudFormation runs is the truth after every
 * update and rollback. A quick-create stack runs in the customer's account, out of reach: its template
 * is the one stored for the link (and for each update offered). A direct request not launched yet has
 * none to show (409, for a few seconds); one whose stack CloudFormation no longer knows, 404.
 */
export const requestTemplate = async (d: TemplateSources, record: ByobRecord): Promise<unknown> => {
  if (record.launch.mode === 'direct' && record.launch.stackId) {
    const template = await stackTemplate((await d.clientsFor(record)).cfn, record.launch.stackId);
    if (template === null) throw new NotFoundError();
    return template;
  }
  if (record.templateKey) return readTemplate(d.vendorS3(record.region), record.templateBucket, record.templateKey);
  if (record.launch.mode === 'direct') {
    throw new ConflictError(`Request ${record.id} is being launched; its template is shown once CloudFormation has its stack (a few seconds).`);
  }
  throw new NotFoundError();
};

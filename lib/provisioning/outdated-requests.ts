import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { pkOf, recordSk, toRecord } from './dynamo-store.js';
import { type ByobRecord, UNRECORDED_TEMPLATE_VERSION } from './record.js';

/**
 * The requests POST /byob/upgrade works through: a tenant's READY and DEGRADED requests on a template
 * version other than the latest, a batch at a time. A port of its own (not the Store's) so that only the
 * bulk upgrade's bundle carries it.
 */

/** One batch, and where the next one starts. */
export interface OutdatedPage {
  items: ByobRecord[];
  /** The id of the request after which the listing goes on; null when every request was looked at. */
  resumeAfter: string | null;
}

/** The listing of a tenant's requests on an older template version. */
export interface OutdatedRequests {
  /**
   * At most `limit` of the tenant's READY and DEGRADED requests whose stack runs a template version other
   * than `latestVersion`, newest first, after the request `after` (an id). Reads a bounded number of
   * records per call, so a batch may hold fewer than `limit` with more to come (`resumeAfter`).
   */
  list(tenant: string, q: { latestVersion: string; limit: number; after?: string | undefined }): Promise<OutdatedPage>;
}

/** How many records one call reads at most: pages of this many, up to this many pages. */
const PAGE = 50;
const PAGES = 5;

/** The DynamoDB listing: a filtered Query of the tenant's partition (dynamo-store.ts's layout), newest first. */
export const dynamoOutdatedRequests = (doc: DynamoDBDocumentClient, table: string): OutdatedRequests => ({
  async list(tenant, q) {
    const items: ByobRecord[] = [];
    let start: Record<string, unknown> | undefined = q.after ? { pk: pkOf(tenant), sk: recordSk(q.after) } : undefined;
    // Records written before versions were recorded run the unrecorded one and have no attribute.
    const older = q.latestVersion === UNRECORDED_TEMPLATE_VERSION ? 'attribute_exists(#v) AND #v <> :v' : '(attribute_not_exists(#v) OR #v <> :v)';
    for (let pages = 0; pages < PAGES; pages++) {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
          FilterExpression: `#status IN (:ready, :degraded) AND ${older}`,
          ExpressionAttributeNames: { '#status': 'status', '#v': 'templateVersion' },
          ExpressionAttributeValues: { ':pk': pkOf(tenant), ':r': 'R#', ':ready': 'READY', ':degraded': 'DEGRADED', ':v': q.latestVersion },
          ScanIndexForward: false,
          Limit: PAGE,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        // A full batch ends at its last request; the rest of this page is read again from there.
        if (items.length === q.limit) return { items, resumeAfter: items.at(-1)!.id };
        items.push(toRecord(item));
      }
      start = out.LastEvaluatedKey;
      if (!start) return { items, resumeAfter: null };
      if (items.length === q.limit) break;
    }
    return { items, resumeAfter: String(start!.sk).slice('R#'.length) };
  },
});

import { ConflictError } from '../../lib/errors.js';
import { type ByobRecord, revisionOf, templateVersionOf } from '../../lib/provisioning/record.js';
import type { OutdatedPage, OutdatedRequests } from '../../lib/provisioning/outdated-requests.js';
import { type CommitPlan, type OutboxItem, type Page, type Store, type TenantSettings } from '../../lib/provisioning/store.js';
import { StaleRecordError } from '../../lib/provisioning/stale-record.js';

/**
 * An in-memory Store with the DynamoDB adapter's conditions: commits and patches are conditional on
 * the version (and, for commits, the status) read; the team lock is taken on create and moved by
 * commits; outbox items are keyed by request and event. Records are copied in and out, so a test
 * cannot change stored state by mutating what it holds.
 */
export class MemoryStore implements Store {
  readonly records = new Map<string, ByobRecord>();
  readonly locks = new Map<string, string>();
  readonly outbox = new Map<string, OutboxItem>();
  readonly settings = new Map<string, TenantSettings>();
  private slots = 0;
  /** Every successful commit, in order: what a test inspects to count transitions. */
  readonly commits: CommitPlan[] = [];
  /** Called before each commit is applied; a test can move the record under the writer's feet. */
  beforeCommit: ((plan: CommitPlan) => void | Promise<void>) | null = null;

  private key = (tenant: string, id: string) => `${tenant}|${id}`;
  private lockKey = (tenant: string, activeKey: string) => `${tenant}|${activeKey}`;

  /** Puts a record as it is (no lock, no condition): for arranging a test. */
  seed(record: ByobRecord): ByobRecord {
    this.records.set(this.key(record.tenant, record.id), structuredClone(record));
    return structuredClone(record);
  }

  /** The stored record (a copy), or throws when there is none. */
  current(tenant: string, id: string): ByobRecord {
    const r = this.records.get(this.key(tenant, id));
    if (!r) throw new Error(`no record ${tenant}/${id}`);
    return structuredClone(r);
  }

  async create(record: ByobRecord): Promise<void> {
    const k = this.key(record.tenant, record.id);
    if (this.records.has(k)) throw new Error(`${record.id} already exists`);
    const lk = this.lockKey(record.tenant, record.activeKey);
    const holder = this.locks.get(lk);
    if (holder) throw new ConflictError(`An active BYOB request (${holder}) already exists`, { existingId: holder });
    this.records.set(k, structuredClone(record));
    this.locks.set(lk, record.id);
  }

  async get(tenant: string, id: string): Promise<ByobRecord | null> {
    const r = this.records.get(this.key(tenant, id));
    return r ? structuredClone(r) : null;
  }

  async findById(id: string): Promise<ByobRecord | null> {
    for (const r of this.records.values()) if (r.id === id) return structuredClone(r);
    return null;
  }

  async list(tenant: string, q: { limit: number; cursor?: string | undefined; status?: ByobRecord['status'] | undefined }): Promise<Page> {
    const all = [...this.records.values()]
      .filter((r) => r.tenant === tenant && (!q.status || r.status === q.status))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const start = q.cursor ? all.findIndex((r) => r.id === q.cursor) + 1 : 0;
    const items = all.slice(start, start + q.limit);
    const more = start + q.limit < all.length;
    return { items: items.map((r) => structuredClone(r)), nextCursor: more && items.length ? items.at(-1)!.id : null };
  }

  /** The listing of POST /byob/upgrade (lib/provisioning/outdated-requests.ts) over these records. */
  readonly outdated: OutdatedRequests = { list: (tenant, q) => this.listOutdated(tenant, q) };

  async listOutdated(tenant: string, q: { latestVersion: string; limit: number; after?: string | undefined }): Promise<OutdatedPage> {
    const outdated = [...this.records.values()]
      .filter((r) => r.tenant === tenant && (r.status === 'READY' || r.status === 'DEGRADED') && templateVersionOf(r) !== q.latestVersion && (!q.after || r.id < q.after))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const items = outdated.slice(0, q.limit);
    return { items: items.map((r) => structuredClone(r)), resumeAfter: outdated.length > q.limit ? items.at(-1)!.id : null };
  }

  async commit(plan: CommitPlan): Promise<void> {
    await this.beforeCommit?.(plan);
    const k = this.key(plan.before.tenant, plan.before.id);
    const stored = this.records.get(k);
    if (!stored || stored.version !== plan.before.version || stored.status !== plan.before.status) {
      throw new StaleRecordError(`${plan.before.id} changed while it was being updated`);
    }
    const lk = this.lockKey(plan.after.tenant, plan.after.activeKey);
    if (plan.lock === 'acquire') {
      if (this.locks.has(lk)) throw new ConflictError('Another active BYOB request now holds this team; this one cannot become active again.');
      this.locks.set(lk, plan.after.id);
    } else if (plan.lock === 'release' && this.locks.get(lk) === plan.after.id) {
      this.locks.delete(lk);
    }
    for (const o of plan.outbox) {
      const ok = `${o.tenant}|${o.requestId}|${o.eventId}`;
      if (this.outbox.has(ok)) throw new Error(`outbox item ${o.eventId} already exists`);
      this.outbox.set(ok, structuredClone(o));
    }
    this.records.set(k, structuredClone(plan.after));
    this.commits.push(structuredClone(plan));
  }

  async patch(record: ByobRecord, fields: Partial<ByobRecord>, now: string): Promise<ByobRecord> {
    const k = this.key(record.tenant, record.id);
    const stored = this.records.get(k);
    if (!stored || stored.version !== record.version) throw new StaleRecordError(`${record.id} changed while it was being updated`);
    // A bookkeeping write keeps the revision (the ETag); a record from before revisions pins its version as one.
    const next: ByobRecord = { ...record, ...fields, status: record.status, version: record.version + 1, revision: fields.revision ?? revisionOf(record), updatedAt: now };
    this.records.set(k, structuredClone(next));
    return structuredClone(next);
  }

  async listDue(now: string, limit: number): Promise<ByobRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.dueAt !== null && r.dueAt <= now)
      .sort((a, b) => (a.dueAt! < b.dueAt! ? -1 : 1))
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  async nextScheduleSlot(): Promise<number> {
    return ++this.slots;
  }

  async getSettings(tenant: string): Promise<TenantSettings | null> {
    const s = this.settings.get(tenant);
    return s ? structuredClone(s) : null;
  }

  async putSettings(settings: TenantSettings, expectedVersion: number | null): Promise<void> {
    const stored = this.settings.get(settings.tenant);
    if (expectedVersion === null ? stored !== undefined : stored?.version !== expectedVersion) {
      throw new StaleRecordError(`settings of ${settings.tenant} changed concurrently`);
    }
    this.settings.set(settings.tenant, structuredClone(settings));
  }

  async dueOutbox(now: string, limit: number): Promise<OutboxItem[]> {
    return [...this.outbox.values()]
      .filter((o) => o.status === 'pending' && o.nextAttemptAt !== null && o.nextAttemptAt <= now)
      .slice(0, limit)
      .map((o) => structuredClone(o));
  }

  async outboxFor(tenant: string, requestId: string): Promise<OutboxItem[]> {
    return [...this.outbox.values()].filter((o) => o.tenant === tenant && o.requestId === requestId).map((o) => structuredClone(o));
  }

  async putOutbox(item: OutboxItem): Promise<void> {
    this.outbox.set(`${item.tenant}|${item.requestId}|${item.eventId}`, structuredClone(item));
  }
}

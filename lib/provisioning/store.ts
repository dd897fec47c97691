import type { ByobRecord } from './record.js';
import type { LockChange, Status } from './state-machine.js';

/** A webhook waiting in the outbox: written in the same transaction as the status change it reports. */
export interface OutboxItem {
  tenant: string;
  requestId: string;
  eventId: string;
  type: string;
  /** The serialised, versioned payload (signed as-is on every attempt). */
  body: string;
  occurredAt: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'dead' | 'gone';
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
}

/** Per-tenant settings: the ExternalId for trust policies and the webhook signing secrets (newest first). */
export interface TenantSettings {
  tenant: string;
  externalId: string;
  webhookSecrets: Array<{ secret: string; createdAt: string }>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A status change ready to be written: the new record, its lock effect and its outbox events. */
export interface CommitPlan {
  before: ByobRecord;
  after: ByobRecord;
  lock: LockChange;
  outbox: OutboxItem[];
}

/** One page of a tenant's requests. */
export interface Page {
  items: ByobRecord[];
  nextCursor: string | null;
}

/** The persistence port; `dynamoStore` (dynamo-store.ts) is the real one, tests use a memory fake. */
export interface Store {
  create(record: ByobRecord): Promise<void>;
  get(tenant: string, id: string): Promise<ByobRecord | null>;
  findById(id: string): Promise<ByobRecord | null>;
  list(tenant: string, q: { limit: number; cursor?: string | undefined; status?: Status | undefined }): Promise<Page>;
  commit(plan: CommitPlan): Promise<void>;
  /** Replaces non-status fields when the version still matches; returns the new record. */
  patch(record: ByobRecord, fields: Partial<ByobRecord>, now: string): Promise<ByobRecord>;
  listDue(now: string, limit: number): Promise<ByobRecord[]>;
  /** The next number of the re-verification schedule (1, 2, 3, …; one counter for the table). */
  nextScheduleSlot(): Promise<number>;
  getSettings(tenant: string): Promise<TenantSettings | null>;
  putSettings(settings: TenantSettings, expectedVersion: number | null): Promise<void>;
  dueOutbox(now: string, limit: number): Promise<OutboxItem[]>;
  outboxFor(tenant: string, requestId: string): Promise<OutboxItem[]>;
  putOutbox(item: OutboxItem): Promise<void>;
}

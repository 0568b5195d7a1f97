import { randomUUID } from 'node:crypto';
import type { DeletionUser, TrackEvent } from './validate.js';

/** A request to Heap's API as the sandbox received and answered it. */
export interface RecordedRequest {
  id: number;
  method: string;
  path: string;
  status: number;
  /** The parsed JSON body (the raw text when it was not JSON). */
  body: unknown;
  /** Why nothing of an answered request was kept ("unknown app_id"), as Heap keeps nothing of it. */
  dropped?: string;
  received_at: string;
}

/** An accepted track event, with when the sandbox received it (ms since the epoch). */
export type RecordedEvent = TrackEvent & { app_id: string; received_at: number };

export interface RecordedMerge {
  app_id: string;
  user_id: string;
  identity: string;
}

export type DeletionStatus = 'pending' | 'complete';

export interface DeletionRequest {
  deletion_request_id: string;
  app_id: string;
  users: DeletionUser[];
  /** How often deletion_status was asked about it. */
  polls: number;
}

type Properties = Record<string, unknown>;

/**
 * What the sandbox's Heap holds and what it received: requests, accepted events with their dedup
 * keys, user and account properties, merges, deletions, and counters that stay exact past
 * `maxRecorded`. In memory only: a restarted process starts empty.
 */
export class RecordedState {
  private requests: RecordedRequest[] = [];
  private requestCount = 0;
  private readonly byStatus: Record<string, number> = {};
  private events: RecordedEvent[] = [];
  private eventCount = 0;
  private duplicates = 0;
  private readonly keys = new Set<string>();
  private readonly users = new Map<string, Properties>();
  private readonly accounts = new Map<string, Properties>();
  private readonly merges: RecordedMerge[] = [];
  private readonly deletions = new Map<string, DeletionRequest>();
  private readonly unknownAppIds: Record<string, number> = {};

  constructor(private readonly maxRecorded: number) {}

  // ---- requests ----

  record(request: Omit<RecordedRequest, 'id' | 'received_at'>): void {
    this.count(request.status);
    if (this.requests.length < this.maxRecorded) this.requests.push({ id: this.requestCount, ...request, received_at: new Date().toISOString() });
  }

  /** A request that got no answer (a dropped connection) counts, under status 0, but is not kept. */
  count(status: number): void {
    this.requestCount++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
  }

  requestList(filter: { path?: string; status?: number } = {}): RecordedRequest[] {
    return this.requests.filter((r) => (filter.path === undefined || r.path === filter.path) && (filter.status === undefined || r.status === filter.status));
  }

  clearRequests(): void {
    this.requests = [];
  }

  countUnknownApp(appId: string): void {
    this.unknownAppIds[appId] = (this.unknownAppIds[appId] ?? 0) + 1;
  }

  // ---- what Heap keeps ----

  /** Track events, deduplicated by idempotency key per app: the first write wins. */
  acceptEvents(appId: string, events: TrackEvent[], now: number): void {
    for (const e of events) {
      if (e.idempotency_key !== undefined) {
        const key = `${appId}:${e.idempotency_key}`;
        if (this.keys.has(key)) {
          this.duplicates++;
          continue;
        }
        this.keys.add(key);
      }
      this.eventCount++;
      if (this.events.length < this.maxRecorded) this.events.push({ app_id: appId, ...e, received_at: now });
    }
  }

  eventList(): RecordedEvent[] {
    return this.events;
  }

  /** Creates or overwrites each property: the last write wins. */
  setUserProperties(appId: string, identity: string, properties: Properties): void {
    const key = `${appId}:${identity}`;
    this.users.set(key, { ...this.users.get(key), ...properties });
  }

  userProperties(appId: string, identity: string): Properties | undefined {
    return this.users.get(`${appId}:${identity}`);
  }

  /** Keyed `app_id:identity`. */
  userList(): Record<string, Properties> {
    return Object.fromEntries(this.users);
  }

  setAccountProperties(appId: string, accountId: string, properties: Properties): void {
    const key = `${appId}:${accountId}`;
    this.accounts.set(key, { ...this.accounts.get(key), ...properties });
  }

  /** Keyed `app_id:account_id`. */
  accountList(): Record<string, Properties> {
    return Object.fromEntries(this.accounts);
  }

  addMerge(merge: RecordedMerge): void {
    this.merges.push(merge);
  }

  mergeList(): RecordedMerge[] {
    return this.merges;
  }

  // ---- deletions ----

  /** A user deletion request; the sandbox keeps what it holds of those users. */
  addDeletion(appId: string, users: DeletionUser[]): DeletionRequest {
    const deletion: DeletionRequest = { deletion_request_id: randomUUID(), app_id: appId, users, polls: 0 };
    this.deletions.set(deletion.deletion_request_id, deletion);
    return deletion;
  }

  /** deletion_status: pending until it has been polled once, then complete; undefined for an id it never issued. */
  pollDeletion(id: string): DeletionStatus | undefined {
    const deletion = this.deletions.get(id);
    if (!deletion) return undefined;
    return deletion.polls++ > 0 ? 'complete' : 'pending';
  }

  stats() {
    return {
      requests: this.requestCount,
      by_status: { ...this.byStatus },
      events_accepted: this.eventCount,
      unique_idempotency_keys: this.keys.size,
      duplicates: this.duplicates,
      users: this.users.size,
      accounts: this.accounts.size,
      merges: this.merges.length,
      /** Requests answered for app ids the account does not have, by app_id. */
      unknown_app_ids: { ...this.unknownAppIds },
    };
  }
}

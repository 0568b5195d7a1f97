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
  /** The body as sent, decoded as UTF-8, cut past `maxRawBodyBytes`. */
  raw_body: string;
  raw_body_truncated: boolean;
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
  requested_at: number;
  /** How often deletion_status was asked about it. */
  polls: number;
  /** What the sandbox held of these users and removed. */
  removed: { user_properties: number; events: number; merges: number };
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
  private merges: RecordedMerge[] = [];
  private readonly deletions = new Map<string, DeletionRequest>();
  private readonly unknownAppIds: Record<string, number> = {};
  private usersDeleted = 0;
  private eventsDeleted = 0;

  constructor(
    private readonly maxRecorded: number,
    private readonly deletionDelayMs: number | undefined,
  ) {}

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

  /**
   * Deletes the users of one app at once: user properties and track events by identity or by
   * user_id, and their merges. A deleted identity takes the anonymous user_ids merged into it, with
   * their events. Accounts and dedup keys stay (Heap does not say a deleted user's keys are forgotten).
   */
  deleteUsers(appId: string, users: DeletionUser[], now: number): DeletionRequest {
    const identities = new Set<string>();
    const userIds = new Set<string>();
    for (const user of users) {
      if ('identity' in user) identities.add(user.identity);
      else userIds.add(user.user_id);
    }
    let userProperties = 0;
    for (const identity of identities) if (this.users.delete(`${appId}:${identity}`)) userProperties++;
    const mergedUserIds = new Set(userIds);
    for (const m of this.merges) if (m.app_id === appId && identities.has(m.identity)) mergedUserIds.add(m.user_id);

    const merges = this.merges.length;
    this.merges = this.merges.filter((m) => m.app_id !== appId || !(identities.has(m.identity) || userIds.has(m.user_id)));
    const events = this.events.length;
    this.events = this.events.filter((e) => e.app_id !== appId || !(e.identity !== undefined ? identities.has(e.identity) : mergedUserIds.has(e.user_id!)));

    const deletion: DeletionRequest = {
      deletion_request_id: randomUUID(),
      app_id: appId,
      users,
      requested_at: now,
      polls: 0,
      removed: { user_properties: userProperties, events: events - this.events.length, merges: merges - this.merges.length },
    };
    this.deletions.set(deletion.deletion_request_id, deletion);
    this.usersDeleted += users.length;
    this.eventsDeleted += deletion.removed.events;
    return deletion;
  }

  /** deletion_status: the status, counting this poll; undefined for an id it never issued. */
  pollDeletion(id: string, now: number): DeletionStatus | undefined {
    const deletion = this.deletions.get(id);
    if (!deletion) return undefined;
    const status = this.statusOf(deletion, now);
    deletion.polls++;
    return status;
  }

  /** Pending until its status has been polled once (or `deletionDelayMs` has passed), then complete. */
  statusOf(deletion: DeletionRequest, now: number): DeletionStatus {
    const done = this.deletionDelayMs === undefined ? deletion.polls > 0 : now - deletion.requested_at >= this.deletionDelayMs;
    return done ? 'complete' : 'pending';
  }

  deletionList(): DeletionRequest[] {
    return [...this.deletions.values()];
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
      deletions: this.deletions.size,
      /** Users named by deletion requests, whether or not the sandbox held anything of them. */
      users_deleted: this.usersDeleted,
      events_deleted: this.eventsDeleted,
    };
  }
}

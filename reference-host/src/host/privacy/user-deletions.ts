import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { FieldIssue, Logger, UserDeletionAdapter, UserDeletionPart } from '@datafly/heap-integration/contract';
import { fieldIssues, isPlaceholderId, unknownKeys } from '@datafly/heap-integration/contract';
import { ApiError, notFound } from '../errors.js';
import { toIntegration, type Integration } from '../integrations/model.js';
import type { PluginRegistry } from '../registry.js';
import type { SecretBox } from '../secrets.js';
import type { DeliveryLogEntry } from '../store/delivery-logs.js';
import type { Store } from '../store/store.js';
import type { UserDeletionRow } from '../store/user-deletions.js';
import { eventName } from '../../common/event-name.js';
import type { DeletedUsers } from './deleted-users.js';

/** The most users one call may name (the vendor's own bound per request is the adapter's business). */
export const MAX_USERS_PER_DELETION = 100_000;

const ids = (field: string) =>
  z
    .array(z.string({ message: 'must be a string (send numeric ids as strings)' }).trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'), { message: `must be an array of ${field}` })
    .max(MAX_USERS_PER_DELETION, `must hold at most ${MAX_USERS_PER_DELETION.toLocaleString('en-US')} ids per request`)
    .default([]);

export const UserDeletionRequestSchema = z
  .object({
    user_ids: ids('userIds (the ids events carried as userId)').meta({ description: 'Known users, by the userId their events carried' }),
    identities: ids('userIds').meta({ deprecated: true, description: 'Deprecated: the former name of user_ids, taken the same way (give one of the two)' }),
    anonymous_ids: ids('anonymousIds'),
    requested_by: z.string().trim().min(1).max(200, 'must be at most 200 characters').optional().meta({ description: 'Who asks (a person, a ticket): kept with the record' }),
  })
  .meta({ id: 'UserDeletionRequest' });

/** How often a deletion's status is asked again, at most (the first asks come sooner). */
const POLL_MAX_MS = 60_000;
const SEND_ATTEMPTS = 10;

/**
 * GDPR/CCPA deletion of users at the vendor. A request drops the users' waiting events at once
 * (logged as filtered, "user deleted", so a retry a minute later cannot undo the deletion), clears
 * their events and ids from the host's delivery logs (and so from sample events and traces), then any
 * instance's poller sends it to the vendor and follows it until the vendor says it is complete.
 */
export class UserDeletionService {
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    private readonly deps: {
      store: Store;
      registry: PluginRegistry;
      box: SecretBox;
      deletedUsers: Pick<DeletedUsers, 'forget'>;
      /** The plugin's deletion adapter for an integration; undefined when its plugin offers none. */
      deletionFor: (integration: Integration) => UserDeletionAdapter | undefined;
      logger: Logger;
      clock: () => number;
      instanceId: string;
    },
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  async request(integrationId: string, body: unknown, caller: string): Promise<UserDeletionRow> {
    const { store, clock } = this.deps;
    const row = await store.integrations.get(integrationId);
    if (!row) throw notFound(`Integration ${integrationId}`);
    const plugin = this.deps.registry.get(row.catalog_key);
    if (!plugin?.manifest.capabilities.includes('user_deletion')) {
      throw new ApiError(409, 'unsupported', `${plugin?.manifest.name ?? row.catalog_key} does not declare user deletion (manifest capability "user_deletion")`);
    }
    const request = parseDeletion(body);
    const now = clock();
    const at = new Date(now).toISOString();
    const id = `del_${randomBytes(8).toString('hex')}`;
    const dropped = await store.transaction(async (tx) => {
      const events = await tx.queue.dropUsers(integrationId, request.user_ids, request.anonymous_ids, now);
      await tx.deletions.create({
        id,
        integration_id: integrationId,
        identities_json: JSON.stringify(request.user_ids),
        anonymous_ids_json: JSON.stringify(request.anonymous_ids),
        users: request.user_ids.length + request.anonymous_ids.length,
        status: 'requested',
        parts_json: '[]',
        message: null,
        requested_by: request.requested_by ?? caller,
        requested_at: at,
        completed_at: null,
        events_dropped: events.length,
        next_poll_at: now,
        polls: 0,
      });
      const logs: DeliveryLogEntry[] = events.map(({ messageId, event, attempts }) => ({
        integration_id: integrationId,
        message_id: messageId,
        event_type: typeof event.type === 'string' ? event.type : undefined,
        event_name: eventName(event),
        attempt: attempts + 1,
        status: 'filtered',
        code: 'user_deleted',
        message: `user deleted: deletion ${id} was requested before this event was sent`,
        warnings: [],
        duration_ms: 0,
        created_at: at,
        // Neither the event nor the user's ids: the deletion is of exactly those.
        instance_id: this.deps.instanceId,
      }));
      const forgotten = await tx.logs.forgetUsers(integrationId, request.user_ids, request.anonymous_ids);
      await tx.logs.append(logs);
      await tx.logs.count(integrationId, Math.floor(now / 60_000) * 60_000, { filtered: events.length });
      return { events: events.length, forgotten };
    });
    this.deps.deletedUsers.forget(integrationId);
    this.deps.logger.info('user deletion requested', { integrationId, deletion: id, users: request.user_ids.length + request.anonymous_ids.length, events_dropped: dropped.events, log_rows_cleared: dropped.forgotten, requested_by: request.requested_by ?? caller });
    void this.poll();
    return (await store.deletions.get(integrationId, id))!;
  }

  /** Moves every due deletion on one step; concurrent calls share one pass. */
  poll(): Promise<void> {
    this.polling ??= this.pollDue()
      .catch((error) => this.deps.logger.warn('could not poll user deletions', { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollDue(): Promise<void> {
    const { store, clock } = this.deps;
    for (const row of await store.deletions.due(clock(), 20)) {
      // Claimed by moving `polls` on: another instance that read the same row finds it changed and skips it.
      const claimed = await store.deletions.advance(row.id, row.polls, { polls: row.polls + 1, next_poll_at: clock() + POLL_MAX_MS });
      if (!claimed) continue;
      const integrationRow = await store.integrations.get(row.integration_id);
      if (!integrationRow) {
        await store.deletions.advance(row.id, row.polls + 1, { status: 'failed', message: 'the integration was removed before the deletion reached the vendor' });
        continue;
      }
      const adapter = this.deps.deletionFor(toIntegration(integrationRow, this.deps.box));
      if (!adapter) {
        await store.deletions.advance(row.id, row.polls + 1, { status: 'failed', message: `the plugin ${integrationRow.catalog_key} offers no user deletion in this host` });
        continue;
      }
      try {
        await (row.status === 'requested' ? this.send(row, adapter) : this.follow(row, adapter));
      } finally {
        await adapter.close();
      }
    }
  }

  /** Hands the deletion to the vendor (it splits it into as many requests as it needs). */
  private async send(row: UserDeletionRow, adapter: UserDeletionAdapter): Promise<void> {
    const now = this.deps.clock();
    // The column keeps its first name (identities_json): it holds the userIds.
    const parts = await adapter.deleteUsers({ userIds: JSON.parse(row.identities_json), anonymousIds: JSON.parse(row.anonymous_ids_json) });
    const failed = parts.filter((p): p is Extract<UserDeletionPart, { ok: false }> => !p.ok);
    const accepted = parts.flatMap((p) => (p.ok ? [{ request_id: p.requestId, users: p.users, status: p.status }] : []));
    const polls = row.polls + 1;
    if (failed.some((p) => !p.retryable) || (failed.length > 0 && polls >= SEND_ATTEMPTS)) {
      const first = failed.find((p) => !p.retryable) ?? failed[0];
      const users = failed.reduce((n, p) => n + p.users, 0);
      await this.deps.store.deletions.advance(row.id, polls, { status: 'failed', parts_json: JSON.stringify(accepted), message: `${users} of ${row.users} users were not accepted: ${first.message}` });
      this.deps.logger.warn('user deletion failed', { integrationId: row.integration_id, deletion: row.id, code: first.code });
      return;
    }
    if (failed.length > 0) {
      // A transient failure: the whole request goes again later (deleting a deleted user again is harmless).
      await this.deps.store.deletions.advance(row.id, polls, { next_poll_at: now + Math.min(POLL_MAX_MS, 1000 * 2 ** polls), message: `not yet accepted: ${failed[0].message}` });
      return;
    }
    const complete = accepted.every((p) => p.status === 'complete');
    await this.deps.store.deletions.advance(row.id, polls, {
      status: complete ? 'complete' : 'pending',
      parts_json: JSON.stringify(accepted),
      message: null,
      next_poll_at: now + 500,
      completed_at: complete ? new Date(now).toISOString() : null,
    });
  }

  /** Asks the vendor how far each of its requests has come. */
  private async follow(row: UserDeletionRow, adapter: UserDeletionAdapter): Promise<void> {
    const now = this.deps.clock();
    const parts = JSON.parse(row.parts_json) as { request_id: string; users: number; status: string }[];
    let problem: string | undefined;
    for (const part of parts) {
      if (part.status === 'complete') continue;
      const status = await adapter.deletionStatus(part.request_id);
      if (status.status === 'complete' || status.status === 'pending') part.status = status.status;
      else problem = `the vendor's status of request ${part.request_id}: ${status.message ?? status.status}`;
    }
    const polls = row.polls + 1;
    const complete = parts.every((p) => p.status === 'complete');
    await this.deps.store.deletions.advance(row.id, polls, {
      status: complete ? 'complete' : 'pending',
      parts_json: JSON.stringify(parts),
      message: complete ? null : (problem ?? null),
      completed_at: complete ? new Date(now).toISOString() : null,
      // Half a second, then doubling: most deletions are done within seconds, some take a vendor days.
      next_poll_at: now + Math.min(POLL_MAX_MS, 500 * 2 ** Math.min(Math.max(0, polls - 2), 10)),
    });
    if (complete) this.deps.logger.info('user deletion complete', { integrationId: row.integration_id, deletion: row.id });
  }
}

type DeletionRequest = { user_ids: string[]; anonymous_ids: string[]; requested_by?: string };

function parseDeletion(body: unknown): DeletionRequest {
  const input = body ?? {};
  const unknown = unknownKeys(input, Object.keys(UserDeletionRequestSchema.shape));
  const parsed = UserDeletionRequestSchema.safeParse(input);
  const fields: FieldIssue[] = [...unknown, ...(parsed.success ? [] : fieldIssues(parsed.error))];
  if (!parsed.success) throw invalidDeletion(fields);
  const { user_ids: userIds, identities, anonymous_ids: anonymousIds, requested_by: requestedBy } = parsed.data;
  if (userIds.length > 0 && identities.length > 0) fields.push({ field: 'identities', message: 'is the deprecated name of user_ids: give the ids in user_ids alone' });
  // `identities` is taken as `user_ids` (its former name) and its issues named as the caller sent it.
  const [field, ids] = identities.length > 0 ? ['identities', identities] : ['user_ids', userIds];
  if (ids.length + anonymousIds.length === 0) fields.push({ field, message: 'names no user, nor does anonymous_ids: give at least one id in either' });
  if (ids.length + anonymousIds.length > MAX_USERS_PER_DELETION) {
    fields.push({ field, message: `together with anonymous_ids must name at most ${MAX_USERS_PER_DELETION.toLocaleString('en-US')} users per request` });
  }
  fields.push(...placeholderIssues(field, ids), ...placeholderIssues('anonymous_ids', anonymousIds));
  if (fields.length > 0) throw invalidDeletion(fields);
  // A user named twice is one user: counted, sent and cleared once.
  return { user_ids: [...new Set(ids)], anonymous_ids: [...new Set(anonymousIds)], ...(requestedBy === undefined ? {} : { requested_by: requestedBy }) };
}

function invalidDeletion(fields: FieldIssue[]): ApiError {
  return new ApiError(400, 'invalid_request', `The deletion request is invalid: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}; nothing was deleted`, fields);
}

/**
 * Ids that stand for "no user" ("null", "undefined", ...): no event ever went to the vendor under one,
 * so there is no one to delete, and the vendor would refuse it. "0" is the exception: it was sent as
 * an id before it was known for a placeholder, so a deletion may still need to reach it.
 */
function placeholderIssues(field: string, ids: readonly string[]): FieldIssue[] {
  return ids.flatMap((id, index) =>
    isPlaceholderId(id) && id.trim() !== '0' ? [{ field: `${field}.${index}`, message: `${JSON.stringify(id)} is a placeholder for no user, not an id: no event was ever sent under it, so there is nothing to delete` }] : [],
  );
}

/** The answer shape of a deletion: counts always, the ids themselves only when asked for one. */
export function presentDeletion(row: UserDeletionRow, withIds = false) {
  const userIds = JSON.parse(row.identities_json) as string[];
  const anonymousIds = JSON.parse(row.anonymous_ids_json) as string[];
  return {
    id: row.id,
    integration_id: row.integration_id,
    status: row.status,
    users: row.users,
    user_ids: userIds.length,
    anonymous_ids: anonymousIds.length,
    ...(withIds ? { user_id_list: userIds, anonymous_id_list: anonymousIds } : {}),
    events_dropped: row.events_dropped,
    vendor_requests: JSON.parse(row.parts_json) as { request_id: string; users: number; status: string }[],
    message: row.message,
    requested_by: row.requested_by,
    requested_at: row.requested_at,
    completed_at: row.completed_at,
  };
}

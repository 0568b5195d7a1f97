import { createHash } from 'node:crypto';
import { idText, isPlaceholderId, placeholderMessage, userKeyOf } from '../contract/index.js';
import type { AnonymousStrategy } from './blueprint-options.js';
import { HEAP_LIMITS } from './constants.js';

/**
 * Heap's `user_id` for an anonymous visitor: the first 53 bits of SHA-256 over the UTF-8 bytes of
 * `anonymousId`, read big-endian, as a decimal string. Part of the public contract: changing it
 * would split every anonymous user in two (pinned by test vectors in test/unit/identity.test.ts).
 */
export function anonymousUserId(anonymousId: string): string {
  let id = recentIds.get(anonymousId);
  if (id === undefined) {
    const digest = createHash('sha256').update(anonymousId, 'utf8').digest();
    id = (digest.readBigUInt64BE(0) >> 11n).toString(10);
    // A visitor sends many events in a row: remember recent ids, forgetting all at a bound.
    if (recentIds.size >= RECENT_IDS_MAX) recentIds.clear();
    recentIds.set(anonymousId, id);
  }
  return id;
}

const RECENT_IDS_MAX = 10_000;
const recentIds = new Map<string, string>();

/**
 * An id Heap could have received from this plugin, for deletions: every placeholder but `0`, which was
 * sent as an identity before the contract counted it as a placeholder, so such a user can still be erased.
 */
export function userKey(value: unknown): string | undefined {
  const text = idText(value);
  if (text === undefined) return undefined;
  return isPlaceholderId(text) && text.trim() !== '0' ? undefined : text;
}

/** A number past 2^53 lost digits when it was parsed: two users could become one. Never sent. */
function isUnsafeNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER;
}

/** The first id field of the event holding a number past 2^53, if any. */
export function unsafeIdField(event: { userId?: unknown; anonymousId?: unknown; groupId?: unknown }): 'userId' | 'anonymousId' | 'groupId' | undefined {
  if (isUnsafeNumber(event.userId)) return 'userId';
  if (isUnsafeNumber(event.anonymousId)) return 'anonymousId';
  if (isUnsafeNumber(event.groupId)) return 'groupId';
  return undefined;
}

export type HeapUser = { identity: string } | { user_id: string };

export type UserResolution =
  /** `note`: a placeholder userId was set aside (the event went as anonymous). */
  | { kind: 'user'; user: HeapUser; identified: boolean; note?: string }
  | { kind: 'invalid'; field: string; message: string }
  | { kind: 'dropped'; message: string };

/**
 * Who an event belongs to in Heap, following the blueprint's anonymous strategy. A placeholder id
 * (`0`, `"null"`, the contract's list) is no id: Heap merges cannot be undone, so one would make every
 * such visitor one user. It is set aside with a note, or fails the event when it is the only id.
 */
export function resolveUser(event: { userId?: unknown; anonymousId?: unknown }, strategy: AnonymousStrategy): UserResolution {
  const userId = userKeyOf(event.userId);
  if (userId !== undefined) {
    if (userId.length > HEAP_LIMITS.identityLength) {
      return { kind: 'invalid', field: 'userId', message: `userId is ${userId.length} characters; Heap accepts an identity of at most ${HEAP_LIMITS.identityLength}` };
    }
    return { kind: 'user', user: { identity: userId }, identified: true };
  }
  const placeholder = placeholderMessage('userId', event.userId);
  const anonymousId = userKeyOf(event.anonymousId);
  if (anonymousId === undefined) {
    const why = placeholder ?? placeholderMessage('anonymousId', event.anonymousId);
    return { kind: 'invalid', field: 'userId', message: `${why ? `${why}: ` : ''}the event has neither a userId nor an anonymousId, so Heap cannot attribute it to a user` };
  }
  const note = placeholder ? `${placeholder}: sent as the anonymous user of anonymousId` : undefined;
  const user = anonymousUser(anonymousId, strategy);
  return user.kind === 'user' && note ? { ...user, note } : user;
}

function anonymousUser(anonymousId: string, strategy: AnonymousStrategy): UserResolution {
  switch (strategy) {
    case 'user_id_hash':
      return { kind: 'user', user: { user_id: anonymousUserId(anonymousId) }, identified: false };
    case 'identity':
      if (anonymousId.length > HEAP_LIMITS.identityLength) {
        return { kind: 'invalid', field: 'anonymousId', message: `anonymousId is ${anonymousId.length} characters; Heap accepts an identity of at most ${HEAP_LIMITS.identityLength}` };
      }
      return { kind: 'user', user: { identity: anonymousId }, identified: false };
    case 'drop':
      return { kind: 'dropped', message: 'anonymous event dropped: the blueprint sets options.identity.anonymous to "drop"' };
  }
}

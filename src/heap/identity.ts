import { createHash } from 'node:crypto';
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

/** Values a broken client sends for "no user"; Heap would merge all of them into one user. */
const PLACEHOLDER_KEYS = new Set(['', 'null', 'undefined', 'nan', '[object object]']);

/** A user key as Heap should see it, or undefined when there is none worth sending. */
export function userKey(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && !isUnsafeNumber(value) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  // Only a short value can be a placeholder (padding aside): skip the trim and case fold for the rest.
  if (value.length > PLACEHOLDER_MAX_LENGTH && value.trim().length > PLACEHOLDER_MAX_LENGTH) return value;
  return PLACEHOLDER_KEYS.has(value.trim().toLowerCase()) ? undefined : value;
}

const PLACEHOLDER_MAX_LENGTH = Math.max(...[...PLACEHOLDER_KEYS].map((k) => k.length));

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
  | { kind: 'user'; user: HeapUser; identified: boolean }
  | { kind: 'invalid'; field: string; message: string }
  | { kind: 'dropped'; message: string };

/** Who an event belongs to in Heap, following the blueprint's anonymous strategy. */
export function resolveUser(event: { userId?: unknown; anonymousId?: unknown }, strategy: AnonymousStrategy): UserResolution {
  const userId = userKey(event.userId);
  if (userId !== undefined) {
    if (userId.length > HEAP_LIMITS.identityLength) {
      return { kind: 'invalid', field: 'userId', message: `userId is ${userId.length} characters; Heap accepts an identity of at most ${HEAP_LIMITS.identityLength}` };
    }
    return { kind: 'user', user: { identity: userId }, identified: true };
  }
  const anonymousId = userKey(event.anonymousId);
  if (anonymousId === undefined) {
    return { kind: 'invalid', field: 'userId', message: 'the event has neither a userId nor an anonymousId, so Heap cannot attribute it to a user' };
  }
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

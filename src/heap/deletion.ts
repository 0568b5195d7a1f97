import type { DeletionStatus, UserDeletionPart, UserDeletionRequest } from '../contract/index.js';
import type { AnonymousStrategy } from './blueprint-options.js';
import { HEAP_LIMITS } from './constants.js';
import { anonymousUserId, userKey, type HeapUser } from './identity.js';
import type { NotDelivered, Verdict } from './verdict.js';
import type { DeletionStatusAnswer, Unchecked, UserDeletionAnswer, UserDeletionBody } from './wire.js';

/** Users to erase as Heap knows them, and the ids that cannot name a Heap user (never sent). */
export interface DeletionUsers {
  users: HeapUser[];
  refused: string[];
}

/**
 * Who to erase, in the ids events reached Heap with: userIds as identities by the same user-key rules, anonymous
 * ids through the blueprint's anonymous strategy (the public user_id hash by default, so the deletion
 * reaches exactly the user those events created). Under `drop` nothing anonymous was sent by this
 * blueprint; the hash still reaches what an earlier blueprint with the default strategy created.
 * Each user once, in request order. Pure.
 */
export function deletionUsers(request: UserDeletionRequest, strategy: AnonymousStrategy): DeletionUsers {
  const users = new Map<string, HeapUser>();
  const refused: string[] = [];
  const add = (user: HeapUser) => users.set('identity' in user ? `i:${user.identity}` : `u:${user.user_id}`, user);
  const identity = (value: unknown, at: string): string | undefined => {
    const key = userKey(value);
    if (key === undefined) refused.push(`${at}: not an id Heap could have received (empty, a placeholder such as "null", or not a string)`);
    else if (key.length > HEAP_LIMITS.identityLength) refused.push(`${at}: ${key.length} characters, Heap's identities have at most ${HEAP_LIMITS.identityLength}`);
    else return key;
    return undefined;
  };
  listOf(request.userIds).forEach((value, i) => {
    const key = identity(value, `userIds[${i}]`);
    if (key !== undefined) add({ identity: key });
  });
  listOf(request.anonymousIds).forEach((value, i) => {
    if (strategy === 'identity') {
      const key = identity(value, `anonymousIds[${i}]`);
      if (key !== undefined) add({ identity: key });
      return;
    }
    const key = userKey(value);
    if (key === undefined) refused.push(`anonymousIds[${i}]: not an id Heap could have received (empty, a placeholder such as "null", or not a string)`);
    else add({ user_id: anonymousUserId(key) });
  });
  return { users: [...users.values()], refused };
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Heap takes at most 10,000 users per user_deletion request. */
export function deletionBatches(users: readonly HeapUser[], size: number = HEAP_LIMITS.deletionUsers): HeapUser[][] {
  const batches: HeapUser[][] = [];
  for (let i = 0; i < users.length; i += size) batches.push(users.slice(i, i + size));
  return batches;
}

export function deletionBody(users: HeapUser[]): string {
  const body: UserDeletionBody = { users };
  return JSON.stringify(body);
}

/** The part for ids that were not sent, so the caller sees each one and why. */
export function refusedPart(refused: readonly string[]): UserDeletionPart {
  const shown = refused.slice(0, 10).join('; ');
  const more = refused.length > 10 ? `; and ${refused.length - 10} more` : '';
  return { ok: false, users: refused.length, code: 'invalid_event', message: `Not sent to Heap: ${shown}${more}`, retryable: false };
}

/** What Heap's answer to one user_deletion request means for that part. */
export function deletionPart(users: number, verdict: Verdict, answer: string | undefined): UserDeletionPart {
  if (verdict.kind === 'delivered') {
    const accepted = readAnswer<UserDeletionAnswer>(answer);
    const requestId = accepted?.deletion_request_id;
    if (typeof requestId === 'string' && requestId !== '') return { ok: true, users, requestId, status: accepted?.status === 'complete' ? 'complete' : 'pending' };
    return { ok: false, users, code: 'unexpected_status', message: `Heap answered ${verdict.httpStatus} without a deletion_request_id`, httpStatus: verdict.httpStatus, retryable: false };
  }
  return { ok: false, users, code: verdict.code, message: verdict.message, httpStatus: verdict.httpStatus, retryable: verdict.kind === 'retryable' };
}

/** What Heap's answer to deletion_status means. Heap answers 404 for an id it does not know. */
export function deletionStatusOf(requestId: string, verdict: Verdict, answer: string | undefined): DeletionStatus {
  if (verdict.kind === 'delivered') {
    const status = readAnswer<DeletionStatusAnswer>(answer)?.status;
    if (status === 'pending' || status === 'complete') return { requestId, status };
    return { requestId, status: 'error', code: 'unexpected_status', message: `Heap answered deletion_status without a known status (${JSON.stringify(status) ?? 'none'})`, httpStatus: verdict.httpStatus };
  }
  if (verdict.httpStatus === 404) return { requestId, status: 'not_found', httpStatus: 404, message: `Heap knows no deletion request ${requestId}` };
  return deletionStatusError(requestId, verdict);
}

/** A status that could not be read (no token, Heap down): the reason, never a guess. */
export function deletionStatusError(requestId: string, verdict: NotDelivered): DeletionStatus {
  return { requestId, status: 'error', code: verdict.code, message: verdict.message, httpStatus: verdict.httpStatus };
}

/** An answer body's fields, or undefined when it is not a JSON object. */
export function readAnswer<T>(text: string | undefined): Unchecked<T> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Unchecked<T>) : undefined;
  } catch {
    return undefined;
  }
}

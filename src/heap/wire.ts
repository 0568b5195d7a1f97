import { HEAP_PATHS } from './constants.js';
import type { HeapUser } from './identity.js';
import type { HeapValue } from './properties.js';

/*
 * Heap's wire: the bodies the plugin sends and what Heap answers, as types. No behaviour here.
 * Ingestion bodies are written without app_id; requests.ts puts it first in every one.
 */

/** One event of /api/track. */
export type TrackItem = HeapUser & {
  event: string;
  properties?: Record<string, HeapValue>;
  timestamp?: string;
  idempotency_key: string;
};

/** One user of /api/add_user_properties. */
export interface UserPropertiesItem {
  identity: string;
  properties: Record<string, HeapValue>;
}

/** One account of /api/add_account_properties. */
export interface AccountPropertiesItem {
  account_id: string;
  properties: Record<string, HeapValue>;
}

/** The body of /api/v1/identify: merges an anonymous user_id into an identity (one pair per request). */
export interface MergeBody {
  user_id: string;
  identity: string;
  timestamp?: string;
}

/** The three bulk calls: one path and one array field each. */
export const BULK_CALLS = {
  track: { path: HEAP_PATHS.track, field: 'events' },
  user: { path: HEAP_PATHS.addUserProperties, field: 'users' },
  account: { path: HEAP_PATHS.addAccountProperties, field: 'accounts' },
} as const;
export type BulkKind = keyof typeof BULK_CALLS;
export const BULK_KINDS = Object.keys(BULK_CALLS) as BulkKind[];

/** The body of user_deletion (privacy API, with a bearer token). */
export interface UserDeletionBody {
  users: HeapUser[];
}

/** Heap's answer to one request, as far as the plugin reads it. */
export interface HeapAnswer {
  status: number;
  body: string;
  /** `Retry-After`, on 429 and 5xx. */
  retryAfter?: string;
  /** `Location`, on a redirect (never followed). */
  location?: string;
}

/** auth_token's body when it takes the App ID and API key. */
export interface AuthTokenAnswer {
  access_token: string;
}

/** user_deletion's body when it takes a request. */
export interface UserDeletionAnswer {
  deletion_request_id: string;
  status: 'pending' | 'complete';
}

/** deletion_status's body. */
export interface DeletionStatusAnswer {
  status: 'pending' | 'complete';
}

/** An answer body's fields as read from the outside: named as Heap documents them, checked before use. */
export type Unchecked<T> = { [K in keyof T]?: unknown };

import { z } from 'zod';
import type { DataflyEvent } from './event.js';
import type { RateLimit } from './manifest.js';
import { WarningKindSchema } from './warnings.js';

export const DELIVERY_STATUSES = ['delivered', 'filtered', 'retryable', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Why an event was not delivered, in words a host can count and an operator can search for.
 * Every non-delivered result carries one.
 */
export const DELIVERY_CODES = [
  'invalid_event', // the event cannot be delivered as given (names the field)
  'not_mapped', // the blueprint drops it or the event rule is disabled
  'unsupported', // the vendor has no way to take it (e.g. user properties of an anonymous user)
  'consent_denied',
  'user_deleted', // the host dropped it: its user was deleted on request (GDPR/CCPA)
  'rejected', // the vendor answered 400 for this event
  'invalid_credentials', // 401/403
  'endpoint_not_found', // 404: the configured endpoint is not the vendor's API
  'tls_error', // the endpoint's certificate was refused
  'protocol_error', // the endpoint answered something that is not HTTP, or an invalid URL
  'rate_limited', // 429
  'server_error', // 5xx
  'timeout',
  'network_error', // DNS failure, connection refused or reset
  'unexpected_status',
  'expired', // the host gave up: the event waited past the retry window without an attempt (paused, or the vendor down)
] as const;
export type DeliveryCode = (typeof DELIVERY_CODES)[number];

/**
 * Codes that speak for the installation, not for the event: every event would end the same way until
 * an operator changes the config. A host holds such events (it neither retries them away nor
 * dead-letters them) and pauses the integration until its config changes or a connection test passes.
 */
export const INSTALLATION_CODES: ReadonlySet<DeliveryCode> = new Set(['invalid_credentials', 'endpoint_not_found', 'tls_error']);

/**
 * One call to a vendor, as previews, delivery logs and live views show it. The words are HTTP's, and
 * any request-shaped call fits them: `method` is the verb (an HTTP method, or the operation's name for
 * a call that is not HTTP), `url` where it goes (a URL, or whatever address the vendor's API uses),
 * `body` the payload as text, exactly as it goes out. Never with a secret in it.
 */
export const VendorCallSchema = z.object({
  method: z.string(),
  url: z.string(),
  body: z.string(),
});
export type VendorCall = z.infer<typeof VendorCallSchema>;

/** One vendor call that carried an event: its body as it would be with this event alone (its item the only one of a bulk array). */
export const SentCallSchema = VendorCallSchema.extend({
  /** How many items the real request carried (1 for calls that have no bulk form). */
  items: z.number().int().positive(),
});
export type SentCall = z.infer<typeof SentCallSchema>;

export const DeliveryResultSchema = z.object({
  messageId: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  httpStatus: z.number().int().optional(),
  code: z.enum(DELIVERY_CODES).optional(),
  message: z.string().optional(),
  /** For `retryable`: the vendor's Retry-After, in ms, when it gave one. */
  retryAfterMs: z.number().nonnegative().optional(),
  /** What was changed on the way (truncations, dropped keys): never silent. */
  warnings: z.array(z.string()),
  /**
   * One per warning, in the same order: its code and the property it hit, for counting. A plugin that
   * leaves it out has its warnings counted as uncoded.
   */
  warningKinds: z.array(WarningKindSchema).optional(),
  /** The vendor's answer, trimmed, for delivery logs. */
  response: z.string().optional(),
  /** How many HTTP requests carried this event (isolating a bad event costs extra). */
  requests: z.number().int().nonnegative().optional(),
  /** The calls this event became (never with a secret in them), for delivery logs and live views. */
  calls: z.array(SentCallSchema).optional(),
});
export type DeliveryResult = z.infer<typeof DeliveryResultSchema>;

export interface ConnectionTestResult {
  ok: boolean;
  code?: 'invalid_credentials' | 'endpoint_not_found' | 'tls_error' | 'protocol_error' | 'network_error' | 'timeout' | 'unexpected_status';
  message: string;
  httpStatus?: number;
}

/** What `preview` says would happen to one event, without sending anything. */
export interface PreviewResult {
  messageId: string;
  /** `send`: it becomes the requests listed in `requests` (indexes into `DeliveryPreview.requests`). */
  status: 'send' | 'filtered' | 'failed';
  code?: DeliveryCode;
  message?: string;
  warnings: string[];
  requests: number[];
}

/** The exact requests `deliver` would send for these events on a first attempt, byte for byte. */
export interface DeliveryPreview {
  requests: VendorCall[];
  results: PreviewResult[];
}

/** Users to erase at the vendor: known users by the events' `userId`, anonymous ones by their `anonymousId`. */
export interface UserDeletionRequest {
  userIds?: readonly string[];
  anonymousIds?: readonly string[];
}

/** One vendor request of a deletion (vendors take a bounded number of users per request). */
export type UserDeletionPart =
  | { ok: true; users: number; requestId: string; status: 'pending' | 'complete' }
  | { ok: false; users: number; code: DeliveryCode; message: string; httpStatus?: number; retryable: boolean };

/** How far one vendor request of a deletion has come: still `pending`, `complete`, unknown to the vendor (`not_found`), or not readable now (`error`). */
export interface DeletionStatus {
  requestId: string;
  status: 'pending' | 'complete' | 'not_found' | 'error';
  message?: string;
  code?: DeliveryCode;
  httpStatus?: number;
}

export interface DeliveryAdapter {
  /** Exactly one result per input event, in the same order. Never throws for a bad event. */
  deliver(events: readonly DataflyEvent[]): Promise<DeliveryResult[]>;
  /** What `deliver` would send for these events, with every warning and filter reason; no I/O. */
  preview(events: readonly DataflyEvent[]): DeliveryPreview;
  /**
   * The bucket an event counts against for one of the manifest's rate limits, as the vendor counts:
   * for `scope: app` the vendor account this installation sends to (installations of one account share
   * it; no event is needed to name it), for `scope: user` the user as the vendor identifies them.
   * Undefined: the event is not counted. Without this method a host keeps one bucket per limit for
   * the whole plugin (`scope: app`) and counts no user limit.
   */
  rateLimitKey?(limit: RateLimit, event?: DataflyEvent): string | undefined;
  /** Checks the credentials against the vendor without sending any event. Without it, a host offers no connection test. */
  testConnection?(): Promise<ConnectionTestResult>;
  /** Releases sockets; the adapter is unusable afterwards. */
  close(): Promise<void>;
}

/** Erases users at the vendor: what a plugin that declares `user_deletion` builds per installation. */
export interface UserDeletionAdapter {
  /** Hands the users to the vendor, in as many requests as it needs. Never throws. */
  deleteUsers(request: UserDeletionRequest): Promise<UserDeletionPart[]>;
  /** Asks the vendor how far one deletion request has come. Never throws. */
  deletionStatus(requestId: string): Promise<DeletionStatus>;
  /** Releases sockets; unusable afterwards. */
  close(): Promise<void>;
}

import { z } from 'zod';
import type { DataflyEvent } from './event.js';

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
  'rejected', // the vendor answered 400 for this event
  'invalid_credentials', // 401/403
  'rate_limited', // 429
  'server_error', // 5xx
  'timeout',
  'network_error',
  'unexpected_status',
] as const;
export type DeliveryCode = (typeof DELIVERY_CODES)[number];

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
  /** The vendor's answer, trimmed, for delivery logs. */
  response: z.string().optional(),
  /** How many HTTP requests carried this event (isolating a bad event costs extra). */
  requests: z.number().int().nonnegative().optional(),
});
export type DeliveryResult = z.infer<typeof DeliveryResultSchema>;

export interface ConnectionTestResult {
  ok: boolean;
  code?: 'invalid_credentials' | 'network_error' | 'timeout' | 'unexpected_status';
  message: string;
  httpStatus?: number;
}

export interface DeliveryAdapter {
  /** Exactly one result per input event, in the same order. Never throws for a bad event. */
  deliver(events: readonly DataflyEvent[]): Promise<DeliveryResult[]>;
  /** Checks the credentials against the vendor without sending any event. */
  testConnection(): Promise<ConnectionTestResult>;
  /** Releases sockets; the adapter is unusable afterwards. */
  close(): Promise<void>;
}

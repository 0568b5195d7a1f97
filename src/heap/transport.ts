import type { DeliveryCode } from '../contract/index.js';
import type { HeapAnswer } from './wire.js';

/*
 * The seam between the plugin and its HTTP client: what one request came to, in the plugin's own
 * words. No error object of a client library crosses it.
 */

/** Why a request got no answer; each code is a delivery code with the same meaning. */
export type TransportCode = Extract<DeliveryCode, 'timeout' | 'network_error' | 'tls_error' | 'protocol_error'>;

export interface TransportFailure {
  code: TransportCode;
  /** For an operator: names the URL and what to check; never the API key. */
  message: string;
}

/** Heap's answer (any status), or why there was none. */
export type SendOutcome = { ok: true; answer: HeapAnswer } | { ok: false; failure: TransportFailure };

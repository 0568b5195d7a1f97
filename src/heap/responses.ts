import type { DeliveryCode } from '../contract/index.js';

/** How the adapter treats one answer (or failure) from Heap. */
export type Verdict =
  /** No httpStatus when nothing had to be sent (a merge Heap already has). */
  | { kind: 'delivered'; httpStatus?: number; response: string }
  /** 400/413 for a bulk request: halve it and resend, to isolate the bad items. */
  | { kind: 'split'; httpStatus: number; code: DeliveryCode; message: string; response: string }
  | { kind: 'failed'; httpStatus?: number; code: DeliveryCode; message: string; response?: string }
  | { kind: 'retryable'; httpStatus?: number; code: DeliveryCode; message: string; retryAfterMs?: number; response?: string };

/** What delivery logs keep of an answer: the first kilobyte. */
export const RESPONSE_LOG_LIMIT = 1024;

export interface HttpAnswer {
  status: number;
  body: string;
  retryAfter?: string;
}

export function classifyAnswer(answer: HttpAnswer, appId: string, now: number): Verdict {
  const { status } = answer;
  const response = answer.body.slice(0, RESPONSE_LOG_LIMIT);
  const heapSays = heapMessage(answer.body);
  if (status >= 200 && status < 300) return { kind: 'delivered', httpStatus: status, response };
  if (status === 400 || status === 413) {
    const what = status === 413 ? 'the request is too large' : heapSays || 'malformed request';
    return { kind: 'split', httpStatus: status, code: 'rejected', message: `Heap rejected the request (${status}): ${what}`, response };
  }
  if (status === 401 || status === 403) {
    return { kind: 'failed', httpStatus: status, code: 'invalid_credentials', message: invalidCredentialsMessage(status, appId), response };
  }
  if (status === 408 || status === 429 || status >= 500) {
    const code: DeliveryCode = status === 429 ? 'rate_limited' : status === 408 ? 'timeout' : 'server_error';
    const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
    const wait = retryAfterMs !== undefined ? `; Heap asked to retry after ${Math.ceil(retryAfterMs / 1000)} s` : '';
    const label = status === 429 ? 'rate limit reached' : status === 408 ? 'request timeout' : 'server error';
    return { kind: 'retryable', httpStatus: status, code, message: `Heap ${label} (${status})${heapSays ? `: ${heapSays}` : ''}${wait}`, retryAfterMs, response };
  }
  return { kind: 'failed', httpStatus: status, code: 'unexpected_status', message: `Heap answered ${status}${heapSays ? `: ${heapSays}` : ''}`, response };
}

/** The guide's troubleshooting row: a 401 reads as "Invalid App ID or API key". */
export function invalidCredentialsMessage(status: number, appId: string): string {
  return `Invalid App ID or API key: Heap answered ${status} for app ${appId}. Verify the App ID and API key match the correct environment in Heap settings.`;
}

/** Network-level failures: timeouts and resets are transient by nature. */
export function classifyFailure(error: unknown, url: string): Extract<Verdict, { kind: 'retryable' }> {
  const code = (error as { code?: string }).code ?? 'UNKNOWN';
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return { kind: 'retryable', code: 'timeout', message: `Heap did not answer in time (${url})` };
  }
  return { kind: 'retryable', code: 'network_error', message: `Could not reach Heap at ${url}: ${code}` };
}

/** Heap answers JSON or plain text; either way the operator wants the words, not the wrapper. */
export function heapMessage(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      for (const key of ['message', 'error', 'errors']) {
        const value = record[key];
        if (typeof value === 'string') return value.slice(0, RESPONSE_LOG_LIMIT);
        if (value !== undefined) return JSON.stringify(value).slice(0, RESPONSE_LOG_LIMIT);
      }
    }
  } catch {
    // not JSON: plain text it is
  }
  return text.slice(0, RESPONSE_LOG_LIMIT);
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

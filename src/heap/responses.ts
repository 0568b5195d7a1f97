import type { DeliveryCode, DeliveryResult } from '../contract/index.js';
import { classifyFailure } from './failures.js';
import { redact } from './text.js';

/** How the adapter treats one answer (or failure) from Heap. */
export type Verdict =
  /** No httpStatus when nothing had to be sent (a merge Heap already has). */
  | { kind: 'delivered'; httpStatus?: number; response: string }
  /** 400/413: Heap refused the items. A bulk request is halved and resent, to isolate the bad ones. */
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

/** What came back from one request: Heap's answer, or the error that stood in for it. */
export type SendOutcome = { ok: true; answer: HttpAnswer } | { ok: false; error: unknown };

/** What a classification needs besides the outcome; `secret` is scrubbed from everything it returns. */
export interface AnswerContext {
  appId: string;
  url: string;
  now: number;
  secret: string;
}

export function classify(outcome: SendOutcome, context: AnswerContext): Verdict {
  return outcome.ok ? classifyAnswer(scrubbed(outcome.answer, context.secret), context) : classifyFailure(outcome.error, context.url, context.secret);
}

/** An answer that refuses the items themselves (Heap: 400, or 413 for a body too large). */
export function rejectsItems(outcome: SendOutcome): boolean {
  return outcome.ok && (outcome.answer.status === 400 || outcome.answer.status === 413);
}

export function classifyAnswer(answer: HttpAnswer, context: Pick<AnswerContext, 'appId' | 'url' | 'now'>): Verdict {
  const { status } = answer;
  const response = answer.body.slice(0, RESPONSE_LOG_LIMIT);
  const heapSays = heapMessage(answer.body);
  if (status >= 200 && status < 300) return { kind: 'delivered', httpStatus: status, response };
  if (rejectsItems({ ok: true, answer })) {
    const what = status === 413 ? 'the request is too large' : heapSays || 'malformed request';
    return { kind: 'split', httpStatus: status, code: 'rejected', message: `Heap rejected the request (${status}): ${what}`, response };
  }
  if (status === 401 || status === 403) {
    return { kind: 'failed', httpStatus: status, code: 'invalid_credentials', message: invalidCredentialsMessage(status, context.appId), response };
  }
  if (status === 404) return { kind: 'failed', httpStatus: status, code: 'endpoint_not_found', message: endpointNotFoundMessage(context.url), response };
  if (status === 408 || status === 429 || status >= 500) {
    const code: DeliveryCode = status === 429 ? 'rate_limited' : status === 408 ? 'timeout' : 'server_error';
    const retryAfterMs = parseRetryAfter(answer.retryAfter, context.now);
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

function endpointNotFoundMessage(url: string): string {
  return `Heap answered 404 for ${url}: the endpoint does not look like Heap's API. Check the region and the endpoint override.`;
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

/** Whatever Heap answers goes into results and delivery logs: never with the API key in it. */
function scrubbed(answer: HttpAnswer, secret: string): HttpAnswer {
  return secret !== '' && answer.body.includes(secret) ? { ...answer, body: redact(answer.body, secret) } : answer;
}

/** Which verdict speaks for an event whose calls ended differently: anything transient first, so a retry can still fix it. */
const SEVERITY: Record<Verdict['kind'], number> = { retryable: 3, failed: 2, split: 2, delivered: 1 };

/** The verdict that speaks for an event, of the one so far and a new one. On a tie, an answer Heap gave speaks before a call that was not needed. */
export function speaking(current: Verdict | undefined, next: Verdict): Verdict {
  if (!current) return next;
  const [a, b] = [SEVERITY[current.kind], SEVERITY[next.kind]];
  return b > a || (b === a && current.httpStatus === undefined && next.httpStatus !== undefined) ? next : current;
}

/** A delivery result as a verdict decides it (warnings and requests are the caller's to fill in). */
export function verdictResult(verdict: Verdict, messageId: string): DeliveryResult {
  const status = verdict.kind === 'split' ? 'failed' : verdict.kind;
  const result: DeliveryResult = { messageId, status, warnings: [] };
  if (verdict.httpStatus !== undefined) result.httpStatus = verdict.httpStatus;
  if (verdict.kind !== 'delivered') {
    result.code = verdict.code;
    result.message = verdict.message;
  }
  if (verdict.kind === 'retryable' && verdict.retryAfterMs !== undefined) result.retryAfterMs = verdict.retryAfterMs;
  if (verdict.response !== undefined) result.response = verdict.response;
  return result;
}

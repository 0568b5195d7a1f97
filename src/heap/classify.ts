import type { DeliveryCode } from '../contract/index.js';
import { redact } from './text.js';
import type { SendOutcome, TransportFailure } from './transport.js';
import type { NotDelivered, Verdict } from './verdict.js';
import type { HeapAnswer } from './wire.js';

/** What delivery logs keep of an answer: the first kilobyte. */
const RESPONSE_LOG_LIMIT = 1024;

/** What a classification needs besides the outcome; `secret` is scrubbed from Heap's words. */
export interface AnswerContext {
  appId: string;
  url: string;
  now: number;
  secret: string;
}

/** The verdict on one request: Heap's answer by its status, or the reason it got none. Pure. */
export function classify(outcome: SendOutcome, context: AnswerContext): Verdict {
  return outcome.ok ? classifyAnswer(scrubbed(outcome.answer, context.secret), context) : classifyFailure(outcome.failure);
}

/** A request with no answer: a certificate, a protocol or a URL stays wrong until the config changes; the rest may pass. */
function classifyFailure(failure: TransportFailure): NotDelivered {
  const kind = failure.code === 'tls_error' || failure.code === 'protocol_error' ? 'failed' : 'retryable';
  return { kind, code: failure.code, message: failure.message };
}

export function classifyAnswer(answer: HeapAnswer, context: Pick<AnswerContext, 'appId' | 'url' | 'now'>): Verdict {
  const { status } = answer;
  const response = answer.body.slice(0, RESPONSE_LOG_LIMIT);
  const heapSays = heapMessage(answer.body);
  if (status >= 200 && status < 300) return { kind: 'delivered', httpStatus: status, response };
  if (status === 400 || status === 413) {
    const what = status === 413 ? 'the request is too large' : heapSays || 'malformed request';
    return { kind: 'split', httpStatus: status, code: 'rejected', message: `Heap rejected the request (${status}): ${what}`, response };
  }
  if (status === 401 || status === 403) {
    return { kind: 'failed', httpStatus: status, code: 'invalid_credentials', message: invalidCredentialsMessage(status, context.appId), response };
  }
  if (status === 404) return { kind: 'failed', httpStatus: status, code: 'endpoint_not_found', message: endpointNotFoundMessage(context.url), response };
  if (status === 408 || status === 429 || status >= 500) return retryableAnswer(answer, heapSays, response, context.now);
  if (status >= 300 && status < 400) return { kind: 'failed', httpStatus: status, code: 'unexpected_status', message: redirectMessage(answer, context.url), response };
  return { kind: 'failed', httpStatus: status, code: 'unexpected_status', message: `Heap answered ${status}${heapSays ? `: ${heapSays}` : ''}`, response };
}

/** 408, 429 and 5xx: Heap may take it later, after `Retry-After` when it says. */
function retryableAnswer(answer: HeapAnswer, heapSays: string, response: string, now: number): Verdict {
  const { status } = answer;
  const code: DeliveryCode = status === 429 ? 'rate_limited' : status === 408 ? 'timeout' : 'server_error';
  const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
  const wait = retryAfterMs !== undefined ? `; Heap asked to retry after ${Math.ceil(retryAfterMs / 1000)} s` : '';
  const label = status === 429 ? 'rate limit reached' : status === 408 ? 'request timeout' : 'server error';
  return { kind: 'retryable', httpStatus: status, code, message: `Heap ${label} (${status})${heapSays ? `: ${heapSays}` : ''}${wait}`, retryAfterMs, response };
}

/** The guide's troubleshooting row: a 401 reads as "Invalid App ID or API key". */
export function invalidCredentialsMessage(status: number, appId: string): string {
  return `Invalid App ID or API key: Heap answered ${status} for app ${appId}. Verify the App ID and API key match the correct environment in Heap settings.`;
}

function endpointNotFoundMessage(url: string): string {
  return `Heap answered 404 for ${url}: the endpoint does not look like Heap's API. Check the region and the endpoint override.`;
}

/** Redirects are not followed (the client's choice): the operator points the endpoint where it leads. */
function redirectMessage(answer: HeapAnswer, url: string): string {
  const to = answer.location ? ` to ${answer.location.slice(0, 200)}` : '';
  return `Heap answered ${answer.status} for ${url}, a redirect${to}, which is not followed: set the endpoint to the address Heap's API answers at.`;
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
function scrubbed(answer: HeapAnswer, secret: string): HeapAnswer {
  const holds = (text: string | undefined) => text !== undefined && text.includes(secret);
  if (secret === '' || (!holds(answer.body) && !holds(answer.location))) return answer;
  const clean: HeapAnswer = { ...answer, body: redact(answer.body, secret) };
  if (answer.location !== undefined) clean.location = redact(answer.location, secret);
  return clean;
}

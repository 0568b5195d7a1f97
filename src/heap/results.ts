import type { DeliveryResult, SentCall } from '../contract/index.js';
import { resultWarnings } from '../contract/index.js';
import type { DeliveryPlan, PlannedMerge } from './plan.js';
import { carried, singleItemBody, type HeapRequest } from './requests.js';
import { speaking, type Verdict } from './verdict.js';

/** One request as sent and judged. `halved`: Heap refused its items and its halves were sent instead. */
export interface SentRequest {
  request: HeapRequest;
  verdict: Verdict;
  halved: boolean;
}

/** A merge Heap already accepted from this adapter: no request, and it speaks as delivered. */
const MERGE_SKIPPED: Verdict = { kind: 'delivered', response: 'merge skipped: Heap already accepted this user_id → identity pair from this installation' };

const NO_CALL: Verdict = { kind: 'failed', code: 'unexpected_status', message: 'no Heap call was made for this event' };

/** Per event: the verdict speaking so far, the requests that carried it, the calls it became. */
interface Tally {
  verdict?: Verdict;
  requests: number;
  calls: SentCall[];
}

/**
 * One result per event, in input order: results decided by planning as they are; for the others the
 * verdict that speaks among their calls (`speaking`), with the requests that carried them and the calls
 * they became (a halved request's items speak through its halves). Pure.
 */
export function deliveryResults(plan: DeliveryPlan, sent: readonly SentRequest[], skipped: readonly PlannedMerge[], appId: string, url: (path: string) => string): DeliveryResult[] {
  const tallies: (Tally | undefined)[] = plan.events.map((e) => (e.kind === 'send' ? { requests: 0, calls: [] } : undefined));
  for (const { request, verdict, halved } of sent) {
    for (const event of carried(request)) tallies[event]!.requests++;
    if (!halved) tallyCalls(tallies, request, verdict, appId, url(request.path));
  }
  for (const merge of skipped) for (const event of merge.events) tallies[event]!.verdict = speaking(tallies[event]!.verdict, MERGE_SKIPPED);

  return plan.events.map((planned, index): DeliveryResult => {
    if (planned.kind === 'done') return planned.result;
    const { verdict, requests, calls } = tallies[index]!;
    const result = verdictResult(verdict ?? NO_CALL, planned.messageId);
    Object.assign(result, resultWarnings(planned.warnings));
    result.requests = requests;
    if (calls.length > 0) result.calls = calls;
    return result;
  });
}

/** Each event a request carried hears its verdict and gets the call as it would be with its item alone. */
function tallyCalls(tallies: (Tally | undefined)[], request: HeapRequest, verdict: Verdict, appId: string, url: string): void {
  if (request.call === 'merge') {
    const call: SentCall = { method: 'POST', url, body: request.body, items: 1 };
    for (const event of request.merge.events) record(tallies[event]!, verdict, call);
    return;
  }
  for (const item of request.items) {
    record(tallies[item.event]!, verdict, { method: 'POST', url, body: singleItemBody(request.call, item, appId), items: request.items.length });
  }
}

function record(tally: Tally, verdict: Verdict, call: SentCall): void {
  tally.verdict = speaking(tally.verdict, verdict);
  tally.calls.push(call);
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

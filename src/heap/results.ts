import type { DeliveryResult, SentCall } from '../contract/index.js';
import type { DeliveryPlan, PlannedMerge } from './plan.js';
import { carried, singleItemBody, type HeapRequest } from './requests.js';
import { speaking, verdictResult, type Verdict } from './responses.js';

/** One request as sent and judged. `halved`: Heap refused its items and its halves were sent instead. */
export interface Answered {
  request: HeapRequest;
  verdict: Verdict;
  halved: boolean;
}

export interface CallContext {
  appId: string;
  url: (path: string) => string;
}

/** A merge Heap already accepted from this adapter: no request, and it speaks as delivered. */
const MERGE_SKIPPED: Verdict = { kind: 'delivered', response: 'merge skipped: Heap already accepted this user_id → identity pair from this installation' };

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
export function deliveryResults(plan: DeliveryPlan, answered: readonly Answered[], skipped: readonly PlannedMerge[], context: CallContext): DeliveryResult[] {
  const tallies: (Tally | undefined)[] = plan.events.map((e) => (e.kind === 'send' ? { requests: 0, calls: [] } : undefined));
  for (const { request, verdict, halved } of answered) {
    for (const event of carried(request)) tallies[event]!.requests++;
    if (halved) continue;
    const url = context.url(request.path);
    if (request.call === 'merge') {
      const call: SentCall = { method: 'POST', url, body: request.body, items: 1 };
      for (const event of request.merge.events) record(tallies[event]!, verdict, call);
      continue;
    }
    for (const item of request.items) {
      record(tallies[item.event]!, verdict, { method: 'POST', url, body: singleItemBody(request.call, item, context.appId), items: request.items.length });
    }
  }
  for (const merge of skipped) for (const event of merge.events) tallies[event]!.verdict = speaking(tallies[event]!.verdict, MERGE_SKIPPED);

  return plan.events.map((planned, index): DeliveryResult => {
    if (planned.kind === 'done') return planned.result;
    const { verdict, requests, calls } = tallies[index]!;
    const result = verdictResult(verdict ?? NO_CALL, planned.messageId);
    result.warnings = planned.warnings;
    result.requests = requests;
    if (calls.length > 0) result.calls = calls;
    return result;
  });
}

const NO_CALL: Verdict = { kind: 'failed', code: 'unexpected_status', message: 'no Heap call was made for this event' };

function record(tally: Tally, verdict: Verdict, call: SentCall): void {
  tally.verdict = speaking(tally.verdict, verdict);
  tally.calls.push(call);
}

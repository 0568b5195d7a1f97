import type { DeliveryPreview, PreviewResult } from '../contract/index.js';
import type { DeliveryPlan } from './plan.js';
import { carried, type HeapRequest } from './requests.js';

/** What `deliver` would send for a plan on a first attempt, and what would happen to each event. Pure. */
export function deliveryPreview(plan: DeliveryPlan, requests: readonly HeapRequest[], url: (path: string) => string): DeliveryPreview {
  const carriedBy: number[][] = plan.events.map(() => []);
  requests.forEach((request, index) => {
    for (const event of carried(request)) carriedBy[event].push(index);
  });
  return {
    requests: requests.map((request) => ({ method: 'POST', url: url(request.path), body: request.body })),
    results: plan.events.map((planned, index): PreviewResult => {
      if (planned.kind === 'send') return { messageId: planned.messageId, status: 'send', warnings: planned.warnings.map((w) => w.message), requests: carriedBy[index] };
      const { messageId, status, code, message, warnings } = planned.result;
      return { messageId, status: status === 'filtered' ? 'filtered' : 'failed', code, message, warnings, requests: [] };
    }),
  };
}

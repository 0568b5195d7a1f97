import type { DeliveryResult } from '@datafly/heap-integration/contract';
import { SAMPLES_KEPT, type QualityTally } from '../store/data-quality.js';
import type { Outcome } from '../store/queue.js';
import type { ClaimedEvent } from './claimed-event.js';

/** The code a warning is counted under when its plugin gave none (a plugin that predates warning codes). */
export const UNCODED = 'uncoded';

/**
 * The data-quality tallies of a batch: per warning code, event and property, how many of the batch's
 * finished events (delivered, filtered, failed, dead) it hit, with their messageIds, newest first. An
 * event that will be tried again is counted when it finishes, so a retry never counts it twice; within
 * one event a code and property count once. Pure.
 */
export function tallyWarnings(sent: readonly Pick<ClaimedEvent, 'id' | 'messageId' | 'type' | 'name'>[], results: readonly DeliveryResult[], outcomes: readonly { id: number; outcome: Outcome }[]): QualityTally[] {
  const finished = new Set(outcomes.filter((o) => o.outcome.kind === 'done' || o.outcome.kind === 'dead').map((o) => o.id));
  const tallies = new Map<string, QualityTally>();
  // A batch is in queue order: from its end, the newest events come first.
  for (let i = sent.length - 1; i >= 0; i--) {
    const { id, messageId, name, type } = sent[i];
    const result = results[i];
    if (result.warnings.length === 0 || !finished.has(id)) continue;
    const eventName = name ?? type ?? '';
    const kinds = result.warningKinds?.length === result.warnings.length ? result.warningKinds : undefined;
    const counted = new Set<string>();
    for (let w = 0; w < result.warnings.length; w++) {
      const code = kinds?.[w].code ?? UNCODED;
      const property = kinds?.[w].property ?? '';
      const key = `${code}\u0000${eventName}\u0000${property}`;
      if (counted.has(key)) continue;
      counted.add(key);
      let tally = tallies.get(key);
      if (!tally) tallies.set(key, (tally = { code, eventName, property, count: 0, samples: [] }));
      tally.count++;
      if (tally.samples.length < SAMPLES_KEPT) tally.samples.push(messageId);
    }
  }
  return [...tallies.values()];
}

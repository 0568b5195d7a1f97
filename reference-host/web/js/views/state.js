// How delivery stands, in words: the badge beside the name and the notice that says what to do.
import { h } from '../dom.js';
import { formatClock, formatTime, plural } from '../format.js';

const LABELS = { running: 'Running', paused: 'Paused', backing_off: 'Backing off', disabled: 'Disabled' };

export function stateBadge(delivery) {
  const state = delivery?.state ?? 'running';
  return h('span', { class: `badge state-${state}` }, LABELS[state] ?? state);
}

/** The notice for any state but running (null when running); `vendor` is the manifest's name. */
export function stateNotice(delivery, vendor) {
  switch (delivery?.state) {
    case 'paused':
      return h('div', { class: 'notice bad', role: 'alert', id: 'delivery-state' },
        h('strong', {}, 'Delivery is paused'), delivery.since ? ` since ${formatTime(delivery.since)}` : '', `: ${delivery.message ?? delivery.code ?? 'no reason given'}`,
        h('br'),
        'Events wait in the queue; none is lost. Fix the configuration in Settings, or use Test connection once the cause is fixed: a passing test resumes delivery.');
    case 'backing_off':
      return h('div', { class: 'notice warn', role: 'status', id: 'delivery-state' },
        h('strong', {}, `${vendor} is not answering`),
        `: ${delivery.consecutive_failures ? plural(delivery.consecutive_failures, 'batch', 'batches') : 'several batches'} in a row failed; the next try is at ${formatClock(delivery.until)}. Events wait in the queue.`);
    case 'disabled':
      return h('div', { class: 'notice info', role: 'status', id: 'delivery-state' },
        h('strong', {}, 'Disabled'),
        ': this integration queues nothing. Events sent to the host while it is disabled are not kept for it; events already in its queue wait until it is enabled again.');
    default:
      return null;
  }
}

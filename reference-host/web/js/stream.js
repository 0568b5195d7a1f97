// The live delivery stream: Server-Sent Events read with fetch (EventSource cannot send the bearer
// token), reconnected by hand after a drop, resuming after the last event seen (Last-Event-ID).
import { enc, token, unauthorized } from './api.js';

/** Splits a text/event-stream into events as the spec reads it: id, event, data (joined), retry. */
export class EventStreamParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.event = '';
    this.data = [];
    this.id = undefined;
  }

  push(text) {
    this.buffer += text;
    let cut;
    while ((cut = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + (this.buffer.startsWith('\r\n', cut) ? 2 : 1));
      this.line(line);
    }
  }

  line(line) {
    if (line === '') {
      if (this.data.length > 0 || this.id !== undefined) this.onEvent({ type: this.event || 'message', id: this.id, data: this.data.join('\n') });
      this.reset();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.onEvent({ type: 'retry', data: Number(value) });
  }
}

/**
 * Opens the stream of one integration's deliveries. `onState('open', {resumed})` after every
 * connection, `onState('lost')` after a drop (a new attempt follows after the server's retry delay),
 * `onState('behind', {code, message})` when the host stopped the stream because this page fell behind
 * (it resumes the same way), `onState('gone', {status})` when the host refuses for good. Answers
 * `{close, lastEventId}`.
 */
export function openDeliveryStream(integrationId, { filters = {}, since = 0, backlog = 50 }, { onDelivery, onState }) {
  let lastEventId = since;
  let retryMs = 2000;
  let stopped = false;
  let controller;
  let timer;
  let everOpen = false;

  async function connect() {
    let behind;
    controller = new AbortController();
    const query = new URLSearchParams({ backlog: String(backlog) });
    for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
    const headers = { authorization: `Bearer ${token.get()}`, accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = String(lastEventId);
    try {
      const response = await fetch(`/v1/admin/integrations/${enc(integrationId)}/delivery-logs/stream?${query}`, { headers, signal: controller.signal, cache: 'no-store' });
      if (response.status === 401) {
        stopped = true;
        unauthorized();
        return;
      }
      if (!response.ok) {
        if (response.status >= 400 && response.status < 500) {
          stopped = true;
          onState('gone', { status: response.status });
          return;
        }
        throw new Error(`stream answered ${response.status}`);
      }
      onState('open', { resumed: everOpen || since > 0 });
      everOpen = true;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new EventStreamParser((event) => {
        if (event.type === 'retry') retryMs = event.data;
        else if (event.type === 'dropped') behind = parsed(event.data);
        else if (event.type === 'delivery') {
          if (event.id !== undefined && Number(event.id) > lastEventId) lastEventId = Number(event.id);
          try {
            onDelivery(JSON.parse(event.data));
          } catch {
            // A malformed event is skipped; the next one is read.
          }
        }
      });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Dropped, refused or aborted: handled below.
    }
    if (stopped) return;
    if (behind) onState('behind', behind);
    else onState('lost');
    timer = setTimeout(connect, retryMs);
  }

  function parsed(data) {
    try {
      return JSON.parse(data);
    } catch {
      return {};
    }
  }

  void connect();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

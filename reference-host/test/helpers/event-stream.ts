/** One Server-Sent Event as a reader sees it. */
export interface StreamEvent {
  event: string;
  id?: number;
  data: any;
}

/** Splits a text/event-stream into its events (one-line data, as the host writes them); comments are skipped. */
export function eventParser(onEvent: (event: StreamEvent) => void, onRetry: (ms: number) => void = () => undefined): (text: string) => void {
  let buffer = '';
  return (text) => {
    buffer += text;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
      if (fields.retry) onRetry(Number(fields.retry));
      if (fields.event) onEvent({ event: fields.event, id: fields.id === undefined ? undefined : Number(fields.id), data: JSON.parse(fields.data) });
    }
  };
}

/** Reads a live delivery stream over fetch (as the page does: EventSource cannot send a bearer token). */
export function openStream(url: string, token: string, lastEventId?: number) {
  const controller = new AbortController();
  const all: StreamEvent[] = [];
  const events: { id: number; data: Record<string, unknown> }[] = [];
  let retry: number | undefined;
  let ended = false;
  const push = eventParser(
    (e) => {
      all.push(e);
      if (e.event === 'delivery') events.push({ id: e.id!, data: e.data });
    },
    (ms) => (retry = ms),
  );
  const done = (async () => {
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': String(lastEventId) } : {}) }, signal: controller.signal });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        push(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return { events, all, retry: () => retry, ended: () => ended, close: async () => (controller.abort(), await done) };
}

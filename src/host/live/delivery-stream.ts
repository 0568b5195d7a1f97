import type { DeliveryLogRow, DeliveryLogs } from '../store/delivery-logs.js';
import type { LogListener, ReaderPosition } from './log-reader.js';
import type { SseWriter } from './sse-writer.js';

/** What the stream's own reads need of the store: the backlog and the entries after a Last-Event-ID. */
export type HistorySource = Pick<DeliveryLogs, 'page' | 'after'>;

export interface StreamRequest {
  integrationId: string;
  filter: { status?: string; eventName?: string; user?: string };
  /** The reader's Last-Event-ID: it has seen everything up to it. */
  after?: number;
  /** Without `after`: how many recent entries to send first. */
  backlog: number;
}

/** Entries per read of a reader's history. */
const HISTORY_PAGE = 500;

/** Each entry is serialised once, however many streams send it. */
const frames = new WeakMap<DeliveryLogRow, string>();
function frameOf(row: DeliveryLogRow): string {
  let frame = frames.get(row);
  if (frame === undefined) {
    frame = `id: ${row.id}\nevent: delivery\ndata: ${JSON.stringify(row)}\n\n`;
    frames.set(row, frame);
  }
  return frame;
}

/**
 * One operator's live view of an integration: first the history it asked for (the backlog, or what
 * came after its Last-Event-ID), read by itself up to where the shared reader was when it joined; then
 * what the reader delivers, held meanwhile.
 */
export class DeliveryStream implements LogListener {
  private live = false;
  private held: DeliveryLogRow[] = [];
  /** Ids this stream read and sent itself that the shared reader may still deliver (above its settled id). */
  private readonly own = new Set<number>();
  private settled = 0;

  constructor(
    private readonly writer: SseWriter,
    private readonly request: StreamRequest,
  ) {}

  deliver(rows: readonly DeliveryLogRow[], settled: number): void {
    this.forget(settled);
    if (!this.writer.open) return;
    for (const row of rows) {
      if (!this.wanted(row)) continue;
      if (this.live) this.send(row);
      else this.held.push(row);
    }
  }

  /** Sends the history this reader asked for, up to the shared reader's position when the stream joined it. */
  async sendHistory(logs: HistorySource, position: ReaderPosition): Promise<void> {
    this.forget(position.settled);
    const { integrationId, after, backlog, filter } = this.request;
    if (after === undefined) {
      if (backlog === 0) return;
      const recent = await logs.page(integrationId, { status: filter.status, eventName: filter.eventName, user: filter.user, limit: backlog, cursor: position.cursor + 1 });
      for (const row of recent.rows.reverse()) this.sendOwn(row);
      return;
    }
    for (let mark = after; mark < position.cursor && this.writer.open; ) {
      const rows = await logs.after(integrationId, mark, HISTORY_PAGE, position.cursor);
      for (const row of rows) if (this.matches(row)) this.sendOwn(row);
      if (rows.length < HISTORY_PAGE) return;
      mark = rows[rows.length - 1].id;
    }
  }

  /** From now on what the reader delivers goes straight out; what it delivered meanwhile goes first. */
  goLive(): void {
    this.live = true;
    const held = this.held;
    this.held = [];
    for (const row of held) if (this.wanted(row)) this.send(row);
  }

  private wanted(row: DeliveryLogRow): boolean {
    return row.id > (this.request.after ?? 0) && !this.own.has(row.id) && this.matches(row);
  }

  private matches(row: DeliveryLogRow): boolean {
    const { status, eventName, user } = this.request.filter;
    return (!status || row.status === status) && (!eventName || row.event_name === eventName) && (!user || row.user_id === user || row.anonymous_id === user);
  }

  private send(row: DeliveryLogRow): void {
    this.writer.write(frameOf(row));
  }

  /** One entry of the history, remembered while the reader may deliver it too. */
  private sendOwn(row: DeliveryLogRow): void {
    if (row.id > this.settled) this.own.add(row.id);
    this.send(row);
  }

  private forget(settled: number): void {
    if (settled <= this.settled) return;
    this.settled = settled;
    for (const id of this.own) if (id <= settled) this.own.delete(id);
  }
}

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
const frames = new WeakMap<DeliveryLogRow, { text: string; bytes: number }>();
function frameOf(row: DeliveryLogRow): { text: string; bytes: number } {
  let frame = frames.get(row);
  if (!frame) {
    const text = `id: ${row.id}\nevent: delivery\ndata: ${JSON.stringify(row)}\n\n`;
    frame = { text, bytes: Buffer.byteLength(text) };
    frames.set(row, frame);
  }
  return frame;
}

/**
 * One operator's live view of an integration: first the history it asked for (the backlog, or what
 * came after its Last-Event-ID), read by itself up to where the shared reader was when it joined; then
 * what the reader delivers, held meanwhile. Whatever it holds, plus what its socket has not taken,
 * stays within the writer's bound: past it, the stream is dropped and its reader told to resume.
 */
export class DeliveryStream implements LogListener {
  private live = false;
  private held: DeliveryLogRow[] = [];
  private heldBytes = 0;
  /** Ids this stream read and sent itself that the shared reader may still deliver (above its settled id). */
  private readonly own = new Set<number>();
  private settled = 0;

  constructor(
    private readonly writer: SseWriter,
    private readonly request: StreamRequest,
    private readonly onBehind: () => void,
  ) {}

  deliver(rows: readonly DeliveryLogRow[], settled: number): void {
    this.forget(settled);
    if (!this.writer.open) return;
    for (const row of rows) {
      if (!this.wanted(row)) continue;
      if (this.live ? !this.send(row) : !this.hold(row)) return;
    }
  }

  /** Sends the history this reader asked for, up to the shared reader's position when the stream joined it. */
  async sendHistory(logs: HistorySource, position: ReaderPosition): Promise<void> {
    this.forget(position.settled);
    const { integrationId, after, backlog, filter } = this.request;
    if (after === undefined) {
      if (backlog === 0) return;
      const recent = await logs.page(integrationId, { status: filter.status, eventName: filter.eventName, user: filter.user, limit: backlog, cursor: position.cursor + 1 });
      for (const row of recent.rows.reverse()) if (!(await this.sendOwn(row))) return;
      return;
    }
    for (let mark = after; mark < position.cursor && this.writer.open; ) {
      const rows = await logs.after(integrationId, mark, HISTORY_PAGE, position.cursor);
      for (const row of rows) if (this.matches(row) && !(await this.sendOwn(row))) return;
      if (rows.length < HISTORY_PAGE) return;
      mark = rows[rows.length - 1].id;
    }
  }

  /** From now on what the reader delivers goes straight out; what it delivered meanwhile goes first. */
  goLive(): void {
    if (!this.writer.open) return;
    this.live = true;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const row of held) if (this.wanted(row) && !this.send(row)) return;
  }

  private wanted(row: DeliveryLogRow): boolean {
    return row.id > (this.request.after ?? 0) && !this.own.has(row.id) && this.matches(row);
  }

  private matches(row: DeliveryLogRow): boolean {
    const { status, eventName, user } = this.request.filter;
    return (!status || row.status === status) && (!eventName || row.event_name === eventName) && (!user || row.user_id === user || row.anonymous_id === user);
  }

  private send(row: DeliveryLogRow): boolean {
    const frame = frameOf(row);
    if (!this.writer.fits(frame.bytes, this.heldBytes)) return this.behind();
    this.writer.write(frame.text);
    return true;
  }

  private hold(row: DeliveryLogRow): boolean {
    const frame = frameOf(row);
    if (!this.writer.fits(frame.bytes, this.heldBytes)) return this.behind();
    this.held.push(row);
    this.heldBytes += frame.bytes;
    return true;
  }

  /** One entry of the history: sent when the socket has taken the last, and remembered while the reader may deliver it too. */
  private async sendOwn(row: DeliveryLogRow): Promise<boolean> {
    if (row.id > this.settled) this.own.add(row.id);
    if (!this.send(row)) return false;
    await this.writer.drained();
    return this.writer.open;
  }

  private behind(): false {
    this.held = [];
    this.heldBytes = 0;
    if (!this.writer.open) return false;
    this.writer.drop('dropped', {
      code: 'stream_behind',
      message: `This stream fell behind: more than ${this.writer.bound} bytes waited for this reader to take them, so the host stopped it. Reconnect with Last-Event-ID set to the last delivery received to resume right after it; nothing is skipped.`,
    });
    this.onBehind();
    return false;
  }

  private forget(settled: number): void {
    if (settled <= this.settled) return;
    this.settled = settled;
    for (const id of this.own) if (id <= settled) this.own.delete(id);
  }
}

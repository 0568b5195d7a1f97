import type { DeliveryLogRow, DeliveryLogs } from '../store/delivery-logs.js';

/** What a reader needs of the store. */
export type LiveLogSource = Pick<DeliveryLogs, 'latestId' | 'after' | 'idsBetween' | 'byIds'>;

/** A viewer of one integration's delivery logs: an open live stream. */
export interface LogListener {
  /**
   * New entries, and late ones (committed after a larger id was read), each once, in id order.
   * `settled`: the reader no longer looks for entries at or below this id.
   */
  deliver(rows: readonly DeliveryLogRow[], settled: number): void;
}

export interface ReaderSettings {
  /** How often the reader looks for new entries. */
  pollMs: number;
  /** How long after a larger id was read a smaller one may still commit (and is looked for). */
  lookBackMs: number;
  /** Entries per read; a full read is followed by the next at once. */
  page: number;
  /** A monotonic clock in milliseconds. */
  now: () => number;
}

/** Where a listener joined: the reader has read every entry up to `cursor`, and looks for none at or below `settled`. */
export interface ReaderPosition {
  cursor: number;
  settled: number;
}

/**
 * One integration's delivery logs as they are written, read once for every stream that shows them.
 * Each read starts at the cursor (new entries) or at the look-back's floor (late ones), so its cost is
 * what was written lately, never the integration's history.
 */
export class LogReader {
  readonly ready: Promise<void>;
  private readonly listeners = new Set<LogListener>();
  private cursor = 0;
  private settled = 0;
  /** Ids above `settled` already delivered. */
  private readonly delivered = new Set<number>();
  /** The cursor as it was at each read where it moved: it settles once the look-back has passed. */
  private readonly marks: { at: number; cursor: number }[] = [];
  private stopped = false;
  private wake?: () => void;

  constructor(
    private readonly integrationId: string,
    private readonly logs: LiveLogSource,
    private readonly settings: ReaderSettings,
  ) {
    this.ready = this.start();
    // A failed start is answered to whoever waits on `ready`.
    this.ready.catch(() => undefined);
  }

  add(listener: LogListener): void {
    this.listeners.add(listener);
  }

  /** Answers whether the reader has no listener left. */
  remove(listener: LogListener): boolean {
    this.listeners.delete(listener);
    return this.listeners.size === 0;
  }

  position(): ReaderPosition {
    return { cursor: this.cursor, settled: this.settled };
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** One read: new entries after the cursor, then late ones within the look-back. Answers whether the read was full. */
  async poll(): Promise<boolean> {
    const now = this.settings.now();
    const fresh = await this.logs.after(this.integrationId, this.cursor, this.settings.page);
    for (const row of fresh) this.delivered.add(row.id);
    const upTo = fresh.at(-1)?.id ?? this.cursor;
    const late = await this.lateRows(upTo);
    if (this.stopped) return false;
    this.cursor = upTo;
    this.settle(now);
    const rows = late.length === 0 ? fresh : [...late, ...fresh].sort((a, b) => a.id - b.id);
    if (rows.length > 0) for (const listener of [...this.listeners]) listener.deliver(rows, this.settled);
    return fresh.length === this.settings.page;
  }

  private async start(): Promise<void> {
    this.cursor = this.settled = await this.logs.latestId(this.integrationId);
    void this.run();
  }

  private async run(): Promise<void> {
    let full = false;
    while (!this.stopped) {
      if (!full) await this.pause();
      if (this.stopped) return;
      try {
        full = await this.poll();
      } catch {
        // The store is away for a moment: the streams wait; their readers see a pause, not an error.
        full = false;
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.settings.pollMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Entries at or below `upTo` not yet delivered, among those the look-back still covers: the ids from the index, then the rows. */
  private async lateRows(upTo: number): Promise<DeliveryLogRow[]> {
    if (upTo <= this.settled) return [];
    const ids = await this.logs.idsBetween(this.integrationId, this.settled, upTo);
    const missed = ids.filter((id) => !this.delivered.has(id));
    if (missed.length === 0) return [];
    const rows = await this.logs.byIds(this.integrationId, missed);
    for (const row of rows) this.delivered.add(row.id);
    return rows;
  }

  private settle(now: number): void {
    if (this.cursor > (this.marks.at(-1)?.cursor ?? this.settled)) this.marks.push({ at: now, cursor: this.cursor });
    const before = this.settled;
    while (this.marks.length > 0 && this.marks[0].at <= now - this.settings.lookBackMs) this.settled = this.marks.shift()!.cursor;
    if (this.settled === before) return;
    for (const id of this.delivered) if (id <= this.settled) this.delivered.delete(id);
  }
}

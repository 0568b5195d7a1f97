import type { ServerResponse } from 'node:http';
import type { Logger } from '@datafly/heap-integration/contract';
import { DeliveryStream, type HistorySource, type StreamRequest } from './delivery-stream.js';
import { LogReader, type LiveLogSource, type LogListener, type ReaderPosition, type ReaderSettings } from './log-reader.js';
import { SseWriter, type WriterSettings } from './sse-writer.js';

export type LiveSettings = ReaderSettings & WriterSettings;

export const LIVE_DEFAULTS: LiveSettings = {
  pollMs: 500,
  lookBackMs: 5000,
  page: 200,
  bufferBytes: 4 << 20,
  keepAliveMs: 15_000,
  dropGraceMs: 30_000,
  now: () => performance.now(),
};

/**
 * This instance's live delivery streams: one reader per integration that has an open stream, shared by
 * all of them, started by the first and stopped when the last one closes.
 */
export class LiveStreams {
  private readonly readers = new Map<string, LogReader>();
  private readonly writers = new Set<SseWriter>();
  private readonly settings: LiveSettings;

  constructor(
    private readonly logs: LiveLogSource & HistorySource,
    private readonly logger: Logger,
    settings: Partial<LiveSettings> = {},
  ) {
    this.settings = { ...LIVE_DEFAULTS, ...settings };
  }

  /** Integrations read for their streams right now. */
  get readerCount(): number {
    return this.readers.size;
  }

  /** Serves one stream on `res` (its status and headers too); resolves once it is live or closed. */
  async open(res: ServerResponse, request: StreamRequest): Promise<void> {
    let leave: () => void = () => undefined;
    const writer = new SseWriter(res, this.settings, () => leave());
    this.writers.add(writer);
    res.once('close', () => this.writers.delete(writer));
    const stream = new DeliveryStream(writer, request, () =>
      this.logger.info('a live stream fell behind and was dropped; its reader may resume after its Last-Event-ID', { integrationId: request.integrationId, buffer_bytes: this.settings.bufferBytes }),
    );
    try {
      const joined = await this.join(request.integrationId, stream);
      leave = joined.leave;
      if (!writer.open) return leave();
      await stream.sendHistory(this.logs, joined.position);
      stream.goLive();
    } catch {
      // The store is away: the stream ends and its reader reconnects after the retry delay.
      writer.end();
    }
  }

  /** Ends every stream (the host stops); their readers stop with them. */
  close(): void {
    for (const writer of this.writers) writer.end();
    for (const reader of this.readers.values()) reader.stop();
    this.readers.clear();
  }

  private async join(integrationId: string, listener: LogListener): Promise<{ position: ReaderPosition; leave: () => void }> {
    let reader = this.readers.get(integrationId);
    if (!reader) {
      reader = new LogReader(integrationId, this.logs, this.settings);
      this.readers.set(integrationId, reader);
    }
    const joined = reader;
    joined.add(listener);
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      if (!joined.remove(listener)) return;
      joined.stop();
      if (this.readers.get(integrationId) === joined) this.readers.delete(integrationId);
    };
    try {
      await joined.ready;
    } catch (error) {
      leave();
      throw error;
    }
    return { position: joined.position(), leave };
  }
}

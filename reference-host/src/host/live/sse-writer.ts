import type { ServerResponse } from 'node:http';

export interface WriterSettings {
  /** What the host may hold for one stream, written but not yet taken by its reader, in bytes. */
  bufferBytes: number;
  /** A comment after this long without a write, so proxies do not close an idle stream. */
  keepAliveMs: number;
  /** How long a dropped stream's last event may wait for its reader before the connection is cut. */
  dropGraceMs: number;
}

/** How long a reader waits before it reconnects, told at the start of every stream. */
export const RETRY_MS = 2000;

/**
 * One Server-Sent Events response. It never holds more than its bound of unsent bytes: the caller
 * asks whether an event fits, and drops the stream when it does not.
 */
export class SseWriter {
  private ended = false;
  private wrote = false;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly settings: WriterSettings,
    private readonly onEnd: () => void,
  ) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' });
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.keepAlive = setInterval(() => {
      if (!this.wrote && res.writableLength === 0) res.write(': keep-alive\n\n');
      this.wrote = false;
    }, settings.keepAliveMs).unref();
    res.once('close', () => this.finish());
  }

  get open(): boolean {
    return !this.ended;
  }

  /** Whether `bytes` more fit within the bound, besides what the caller holds (`held`) for this stream. */
  fits(bytes: number, held = 0): boolean {
    return this.res.writableLength + held + bytes <= this.settings.bufferBytes;
  }

  get bound(): number {
    return this.settings.bufferBytes;
  }

  write(frame: string): void {
    if (this.ended) return;
    this.res.write(frame);
    this.wrote = true;
  }

  /** Resolves once the reader has taken what was written down to the socket's mark, or the stream ended. */
  drained(): Promise<void> {
    if (this.ended || !this.res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  /** Ends the stream with a last event saying why; a reader that does not take it within the grace is cut off. */
  drop(event: string, data: Record<string, unknown>): void {
    if (this.ended) return;
    this.res.end(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const cut = setTimeout(() => this.res.destroy(), this.settings.dropGraceMs).unref();
    this.res.once('close', () => clearTimeout(cut));
    this.finish();
  }

  /** Ends the stream (the host stops), a dropped one too: what its reader has not taken is not waited for. */
  end(): void {
    if (!this.res.writableEnded) this.res.end();
    if (this.res.writableLength > 0) this.res.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    this.onEnd();
  }
}

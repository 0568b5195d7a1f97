import type { ServerResponse } from 'node:http';

export interface WriterSettings {
  /** A comment after this long without a write, so proxies do not close an idle stream. */
  keepAliveMs: number;
}

/** How long a reader waits before it reconnects, told at the start of every stream. */
export const RETRY_MS = 2000;

/** One Server-Sent Events response. */
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

  write(frame: string): void {
    if (this.ended) return;
    this.res.write(frame);
    this.wrote = true;
  }

  /** Ends the stream (the host stops): what its reader has not taken is not waited for. */
  end(): void {
    this.res.end();
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

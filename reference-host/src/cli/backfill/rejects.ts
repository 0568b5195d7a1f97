import { closeSync, constants, fsyncSync, ftruncateSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { ensureOwn, openOwn } from './beside.js';

const ROLE = 'rejects file';

/** A line that could not be sent, and why. */
export interface Reject {
  line: number;
  reason: string;
  /** The line as it was read. */
  text: string;
  /** The line is JSON (it is quoted as JSON); otherwise it is quoted as a string. */
  json: boolean;
}

/** `events.ndjson` → `events.rejects.ndjson`, beside it. */
export function rejectsPath(input: string): string {
  const name = basename(input);
  const stem = extname(name) === '' ? name : name.slice(0, -extname(name).length);
  return join(dirname(input), `${stem}.rejects.ndjson`);
}

/** One reject as a line of the rejects file: `{"line": n, "reason": "...", "event": <the line's JSON, or its text>}`. */
export function rejectRecord(reject: Reject): string {
  // A line that parsed is quoted as it was, byte for byte, not as JSON.stringify would write it again.
  const event = reject.json ? reject.text.trim() : JSON.stringify(reject.text);
  return `{"line":${reject.line},"reason":${JSON.stringify(reject.reason)},"event":${event}}\n`;
}

/**
 * The rejects file of a run: appended batch by batch, before the checkpoint that counts those
 * batches. A resumed run cuts it back to the length its checkpoint recorded, so the rejects of a
 * batch read again are not written twice. Created at the first reject. Only ever a regular file of
 * its own: never through a link (see beside.ts).
 */
export class RejectsFile {
  private fd?: number;
  private unsynced = false;

  private constructor(
    readonly path: string,
    private size: number,
  ) {}

  /** Keeps the first `keepBytes` of an existing file (those a checkpoint counts); with 0, removes it. */
  static open(path: string, keepBytes: number): RejectsFile {
    if (keepBytes === 0) {
      ensureOwn(path, ROLE);
      rmSync(path, { force: true });
      return new RejectsFile(path, 0);
    }
    const file = new RejectsFile(path, keepBytes);
    const { fd, stats } = openOwn(path, constants.O_RDWR | constants.O_CREAT, ROLE)!;
    file.fd = fd;
    if (stats.size > keepBytes) ftruncateSync(fd, keepBytes);
    file.size = Math.min(stats.size, keepBytes);
    return file;
  }

  /** Bytes written so far: what a checkpoint records. */
  get bytes(): number {
    return this.size;
  }

  append(rejects: readonly Reject[]): void {
    if (rejects.length === 0) return;
    this.fd ??= openOwn(this.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, ROLE)!.fd;
    const text = Buffer.from(rejects.map(rejectRecord).join(''));
    writeSync(this.fd, text, 0, text.length, this.size);
    this.size += text.length;
    this.unsynced = true;
  }

  /** On disk before the checkpoint that counts it is. */
  sync(): void {
    if (this.fd !== undefined && this.unsynced) fsyncSync(this.fd);
    this.unsynced = false;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

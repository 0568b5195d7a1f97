import { createHash } from 'node:crypto';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { errorText } from '../../common/error-text.js';
import { acceptEvent } from '../events.js';
import { NOT_UTF8_REASON, replacementPath } from '../../common/utf8.js';
import { consentDenied } from '../installation.js';
import type { PrefixDigest } from './digest.js';
import type { Line, Position } from './lines.js';
import type { Reject } from './rejects.js';

/** An event to send, with the line it came from (a reject quotes the line as it was). */
export interface LineEvent {
  line: number;
  text: string;
  event: DataflyEvent;
}

/** A run of consecutive lines, settled as one: the checkpoint moves from batch end to batch end. */
export interface Batch {
  seq: number;
  /** Where the next batch starts: the checkpoint once this batch and every earlier one settled. */
  end: Position;
  /** SHA-256 of the input's bytes before `end` (empty when nothing keeps a digest: a dry run). */
  endDigest: string;
  events: LineEvent[];
  /** Lines refused before sending: not JSON, not a valid event. */
  rejects: Reject[];
  /** Events the host's consent rule filters before delivery. */
  filtered: number;
  /** Lines that held something (blank lines are skipped). */
  read: number;
  filled: { messageId: number; timestamp: number };
}

export interface BatchLimits {
  /** Lines per batch: the manifest's `batching.max_events`, so a batch is at most one full bulk. */
  maxLines: number;
  /** Bytes of lines per batch, so a few huge events cannot hold much memory. */
  maxBytes: number;
  /** Longer lines are rejected unread. */
  maxLineBytes: number;
}

/**
 * Groups lines into batches, checking each line as ingestion checks an event. A missing messageId
 * is derived from the line (its number and text), not drawn at random as ingestion draws it, so a
 * resumed run that reads a line again sends it under the same idempotency key. A missing timestamp
 * is the time the line is read, as ingestion stamps the time of acceptance.
 */
export async function* batchesOf(lines: AsyncIterable<Line[]>, start: Position, limits: BatchLimits, digest?: PrefixDigest): AsyncGenerator<Batch> {
  let seq = 0;
  let batch = emptyBatch(seq, start);
  let lineCount = 0;
  let bytes = 0;
  for await (const chunk of lines) {
    for (const line of chunk) {
      batch.end = { offset: line.end, line: line.number };
      lineCount++;
      bytes += line.text.length; // characters: a bound on memory, not a wire size
      if (line.text.trim() !== '') take(batch, line, limits);
      if (lineCount >= limits.maxLines || bytes >= limits.maxBytes) {
        batch.endDigest = digest?.before(batch.end.offset) ?? '';
        yield batch;
        batch = emptyBatch(++seq, batch.end);
        lineCount = 0;
        bytes = 0;
      }
    }
  }
  if (lineCount > 0) {
    batch.endDigest = digest?.before(batch.end.offset) ?? '';
    yield batch;
  }
}

function emptyBatch(seq: number, end: Position): Batch {
  return { seq, end, endDigest: '', events: [], rejects: [], filtered: 0, read: 0, filled: { messageId: 0, timestamp: 0 } };
}

function take(batch: Batch, line: Line, limits: BatchLimits): void {
  batch.read++;
  const reject = (reason: string, json: boolean) => void batch.rejects.push({ line: line.number, reason, text: line.text, json });
  if (line.tooLong) return reject(`the line is longer than ${limits.maxLineBytes} bytes (the event quotes its first kilobyte)`, false);
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return reject(`${line.notUtf8 ? 'not UTF-8, and ' : ''}not valid JSON (${errorText(error)})`, false);
  }
  // Quoted as a string: the event as it parsed holds U+FFFD, not what the line holds.
  if (line.notUtf8) return reject(notUtf8Reason(value), false);
  const accepted = acceptEvent(value, { messageId: () => lineMessageId(line), timestamp: () => new Date().toISOString() });
  if (!accepted.ok) return reject(`invalid event: ${accepted.reason}`, true);
  for (const field of accepted.filled) batch.filled[field]++;
  if (consentDenied(accepted.event)) {
    batch.filtered++;
    return;
  }
  batch.events.push({ line: line.number, text: line.text, event: accepted.event });
}

function notUtf8Reason(value: unknown): string {
  const path = replacementPath(value);
  return path ? `${path}: ${NOT_UTF8_REASON}` : `the line ${NOT_UTF8_REASON}`;
}

/**
 * A messageId for a line without one: a UUID (version 8, "custom") from the SHA-256 of the line's
 * number and text. The same line of the same file always gets the same id.
 */
export function lineMessageId(line: Pick<Line, 'number' | 'text'>): string {
  const h = createHash('sha256').update(`${line.number}\n${line.text}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

import { createHash, type Hash } from 'node:crypto';
import { chunks } from './lines.js';

const NEWLINE = 0x0a;

/** What one pass over the input finds: its lines (for progress), and what a checkpoint's offset says of it. */
export interface Survey {
  /** Bytes read: the size the input had at the start, unless it shrank since. */
  bytes: number;
  /** Lines in those bytes (a last line without a break counts). */
  totalLines: number;
  /** Lines that end at or before the offset. */
  linesBefore: number;
  /** The offset is where a line starts (or the end). */
  atLineStart: boolean;
  /** The bytes before the offset, hashed (not finished: the run goes on hashing from there). */
  hash: Hash;
}

/**
 * Reads the input's first `size` bytes once: counts its lines by scanning for newlines (a progress
 * bar with a total and an ETA is worth that), and hashes the bytes before `offset` to check a
 * checkpoint against them.
 */
export async function surveyInput(path: string, size: number, offset: number): Promise<Survey> {
  const hash = createHash('sha256');
  let bytes = 0;
  let newlines = 0;
  let newlinesBefore = 0;
  let last = NEWLINE;
  let lastBefore = NEWLINE;
  for await (const chunk of chunks(path, 0, size)) {
    const before = Math.max(0, Math.min(chunk.length, offset - bytes));
    if (before > 0) {
      hash.update(chunk.subarray(0, before));
      lastBefore = chunk[before - 1];
    }
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) {
      newlines++;
      if (at < before) newlinesBefore++;
    }
    last = chunk[chunk.length - 1];
    bytes += chunk.length;
  }
  const unbroken = last === NEWLINE ? 0 : 1;
  const atEnd = offset === bytes;
  return {
    bytes,
    totalLines: newlines + unbroken,
    linesBefore: newlinesBefore + (atEnd ? unbroken : 0),
    atLineStart: offset === 0 || lastBefore === NEWLINE || atEnd,
    hash,
  };
}

import { closeSync, constants, fsyncSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { z } from 'zod';
import { describeIssues, fieldIssues } from '@datafly/heap-integration/contract';
import { errorText } from '../../common/error-text.js';
import { UsageError } from '../failures.js';
import { ensureOwn, openOwn } from './beside.js';

const whole = z.number().int().nonnegative();

/** The version this one writes; 1 recorded no digest of the input, so it cannot be checked against it. */
export const CHECKPOINT_VERSION = 2;

/** Where a backfill of one file stands, written beside it after every settled batch. */
export const CheckpointSchema = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  /** The input when the run began: another size or mtime means another file. */
  input: z.object({ size: whole, mtime_ms: z.number() }),
  /** The Heap app the events went to: resuming into another app would split the backfill. */
  app_id: z.string(),
  /** The byte offset and line number after the last batch that settled (and every batch before it). */
  offset: whole,
  line: whole,
  /** SHA-256 of the input's bytes before `offset`: a resume reads them again and compares. */
  prefix_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hexadecimal digits'),
  /** Bytes of the rejects file that belong to the settled batches. */
  rejects_bytes: whole,
  /** The whole file was read and every batch settled. */
  complete: z.boolean(),
  /** Counters of every run on this file so far. */
  counters: z.object({ read: whole, delivered: whole, filtered: whole, rejected: whole, retried: whole, seconds: z.number().nonnegative() }),
  updated_at: z.string(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** A checkpoint is a few hundred bytes of JSON: a larger file is something else, and is not read. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;

export function checkpointPath(input: string): string {
  return `${input}.checkpoint`;
}

/** Where the next checkpoint is written before it is renamed over the last one. */
export function checkpointTemporaryPath(checkpoint: string): string {
  return `${checkpoint}.tmp`;
}

/** The input's identity as a checkpoint records it. */
export function inputIdentity(stats: Pick<Stats, 'size' | 'mtimeMs'>): Checkpoint['input'] {
  return { size: stats.size, mtime_ms: stats.mtimeMs };
}

/** The checkpoint at `path`, undefined when there is none; one that cannot be read is a usage error naming the way out. */
export function readCheckpoint(path: string): Checkpoint | undefined {
  const text = readSmallFile(path);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not a checkpoint (${errorText(error)}): delete it to start over`);
  }
  if ((json as { version?: unknown } | null)?.version === 1) {
    throw new UsageError(`${path} was written by an earlier version of heap-integration, which recorded no digest of the input to check it against: delete it to start over (Heap deduplicates the events sent again by their messageId)`);
  }
  const parsed = CheckpointSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`${path} is not a checkpoint this version writes (${describeIssues(fieldIssues(parsed.error))}): delete it to start over`);
  return parsed.data;
}

/** The file's text, read whole only when it is a regular file of at most MAX_CHECKPOINT_BYTES; undefined when there is none. */
function readSmallFile(path: string): string | undefined {
  const opened = openOwn(path, constants.O_RDONLY, 'checkpoint');
  if (opened === undefined) return undefined;
  try {
    if (opened.stats.size > MAX_CHECKPOINT_BYTES) {
      throw new UsageError(`${path} holds ${opened.stats.size} bytes, more than a checkpoint ever does (${MAX_CHECKPOINT_BYTES}): it is not one; move it away to start over`);
    }
    const buffer = Buffer.alloc(MAX_CHECKPOINT_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(opened.fd, buffer, length, buffer.length - length, null);
    if (length > MAX_CHECKPOINT_BYTES) throw new UsageError(`${path} grew past ${MAX_CHECKPOINT_BYTES} bytes as it was read: it is not a checkpoint; move it away to start over`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(opened.fd);
  }
}

/**
 * Replaces the checkpoint atomically: the new one is written beside it, flushed to disk, then
 * renamed over it, so a crash at any moment leaves the old checkpoint or the new one, never half.
 * The temporary file is created anew (O_EXCL, no link followed): one a crash left is removed first.
 */
export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const temporary = checkpointTemporaryPath(path);
  ensureOwn(temporary, "checkpoint's temporary file");
  rmSync(temporary, { force: true });
  const { fd } = openOwn(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, "checkpoint's temporary file")!;
  try {
    writeSync(fd, `${JSON.stringify(checkpoint, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

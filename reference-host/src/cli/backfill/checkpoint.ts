import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, type Stats } from 'node:fs';
import { z } from 'zod';
import { describeIssues, fieldIssues } from '@datafly/heap-integration/contract';
import { errorText } from '../../shared/error-text.js';
import { UsageError } from '../failures.js';

const whole = z.number().int().nonnegative();

/** Where a backfill of one file stands, written beside it after every settled batch. */
export const CheckpointSchema = z.object({
  version: z.literal(1),
  /** The input when the run began: another size or mtime means another file. */
  input: z.object({ size: whole, mtime_ms: z.number() }),
  /** The Heap app the events went to: resuming into another app would split the backfill. */
  app_id: z.string(),
  /** The byte offset and line number after the last batch that settled (and every batch before it). */
  offset: whole,
  line: whole,
  /** Bytes of the rejects file that belong to the settled batches. */
  rejects_bytes: whole,
  /** The whole file was read and every batch settled. */
  complete: z.boolean(),
  /** Counters of every run on this file so far. */
  counters: z.object({ read: whole, delivered: whole, filtered: whole, rejected: whole, retried: whole, seconds: z.number().nonnegative() }),
  updated_at: z.string(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

export function checkpointPath(input: string): string {
  return `${input}.checkpoint`;
}

/** The input's identity as a checkpoint records it. */
export function inputIdentity(stats: Pick<Stats, 'size' | 'mtimeMs'>): Checkpoint['input'] {
  return { size: stats.size, mtime_ms: stats.mtimeMs };
}

/** The checkpoint at `path`, undefined when there is none; one that cannot be read is a usage error naming the way out. */
export function readCheckpoint(path: string): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? errorText(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not a checkpoint (${errorText(error)}): delete it to start over`);
  }
  const parsed = CheckpointSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`${path} is not a checkpoint this version writes (${describeIssues(fieldIssues(parsed.error))}): delete it to start over`);
  return parsed.data;
}

/**
 * Replaces the checkpoint atomically: the new one is written beside it, flushed to disk, then
 * renamed over it, so a crash at any moment leaves the old checkpoint or the new one, never half.
 */
export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(checkpoint, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

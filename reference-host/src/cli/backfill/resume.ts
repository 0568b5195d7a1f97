import type { Stats } from 'node:fs';
import { UsageError } from '../failures.js';
import { readCheckpoint, type Checkpoint } from './checkpoint.js';
import type { Survey } from './survey.js';

export interface StartFacts {
  file: string;
  checkpointPath: string;
  rejectsPath: string;
  resume: boolean;
  input: Pick<Stats, 'size' | 'mtimeMs'>;
  appId: string;
}

/**
 * Where a run starts: from the top (undefined), or after the checkpoint of an earlier run with
 * `--resume`. Refuses, in one line that says what to do, to start over a checkpoint without
 * `--resume`, to resume without one, and to resume on a file that changed or into another app.
 */
export function startingPoint(f: StartFacts): Checkpoint | undefined {
  const checkpoint = readCheckpoint(f.checkpointPath);
  const startOver = startOverText(f);
  if (!f.resume) {
    if (checkpoint === undefined) return undefined;
    if (checkpoint.complete) {
      throw new UsageError(`${f.file} was backfilled completely to Heap app ${checkpoint.app_id} (see ${f.checkpointPath}): delete it to send the file again (Heap deduplicates events by messageId)`);
    }
    throw new UsageError(`${f.checkpointPath} exists: a backfill of ${f.file} stopped at line ${checkpoint.line}; continue it with --resume, or ${startOver}`);
  }
  if (checkpoint === undefined) throw new UsageError(`--resume: ${f.checkpointPath} does not exist, so there is nothing to resume; run without --resume to start from the first line`);
  const changes: string[] = [];
  if (checkpoint.input.size !== f.input.size) changes.push(`its size was ${checkpoint.input.size} bytes and is ${f.input.size}`);
  if (checkpoint.input.mtime_ms !== f.input.mtimeMs) changes.push(`it was modified at ${iso(checkpoint.input.mtime_ms)} and is now at ${iso(f.input.mtimeMs)}`);
  if (changes.length > 0) throw new UsageError(`--resume: ${f.file} is not the file the checkpoint was written for (${changes.join('; ')}); ${startOver}`);
  if (checkpoint.app_id !== f.appId) {
    throw new UsageError(`--resume: the checkpoint is of a backfill to Heap app ${checkpoint.app_id}, not ${f.appId}; resume with --app-id ${checkpoint.app_id}, or ${startOver}`);
  }
  return checkpoint;
}

/**
 * Refuses a checkpoint whose offset does not fall after its line in the input as it is, or whose
 * digest is not that of the input's bytes before it: resuming there would skip lines, or send
 * lines again under other derived ids, without a word.
 */
export function verifyCheckpoint(f: Pick<StartFacts, 'file' | 'checkpointPath' | 'rejectsPath'>, checkpoint: Checkpoint, survey: Survey): void {
  const { offset, line } = checkpoint;
  let problem: string | undefined;
  if (offset > survey.bytes) problem = `its offset ${offset} is past the end of the file (${survey.bytes} bytes)`;
  else if (!survey.atLineStart || survey.linesBefore !== line) problem = `its offset ${offset} is not where line ${line} ends`;
  else if (survey.hash.copy().digest('hex') !== checkpoint.prefix_sha256) problem = `the file's ${offset} bytes before its offset are not the ones the run read (another SHA-256)`;
  if (problem !== undefined) throw new UsageError(`--resume: ${f.checkpointPath} does not fit ${f.file}: ${problem}; ${startOverText(f)}`);
}

function startOverText(f: Pick<StartFacts, 'checkpointPath' | 'rejectsPath'>): string {
  return `delete ${f.checkpointPath} (and ${f.rejectsPath}) to start over`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

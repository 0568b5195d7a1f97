import type { Batch } from './batches.js';
import { CHECKPOINT_VERSION, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { addCounters, noCounters, type Counters } from './counters.js';
import type { Position } from './lines.js';
import type { Reject, RejectsFile } from './rejects.js';
import type { BatchOutcome } from './send.js';
import { DRY_RUN_SAMPLE } from './summary.js';

export interface LedgerOptions {
  /** Where the checkpoint goes, with the rejects file it counts; neither in a dry run. */
  files?: { checkpoint: string; rejects: RejectsFile };
  /** The checkpoint this run resumes. */
  earlier?: Checkpoint;
  input: Checkpoint['input'];
  appId: string;
  start: Position;
  /** SHA-256 of the input's bytes before `start`. */
  startDigest: string;
  clock: () => number;
}

/**
 * What a run has settled, batch by batch in file order: where the checkpoint stands, the counters
 * of this run and of every run, the fields filled in, the rejects. Written down after each batch:
 * the rejects reach the disk before the checkpoint that counts them.
 */
export class Ledger {
  position: Position;
  /** Where the checkpoint on disk stands; undefined until one is written. */
  recorded?: Position;
  private digest: string;
  thisRun: Counters = noCounters();
  readonly filled = { messageId: 0, timestamp: 0 };
  /** A dry run's first rejects (it writes no rejects file). */
  readonly sample: Reject[] = [];
  private readonly startedAt: number;

  constructor(private readonly o: LedgerOptions) {
    this.position = o.start;
    this.digest = o.startDigest;
    this.startedAt = o.clock();
  }

  get allRuns(): Counters {
    return this.o.earlier ? addCounters(this.o.earlier.counters, this.thisRun) : this.thisRun;
  }

  settle(batch: Batch, outcome: Extract<BatchOutcome, { kind: 'settled' }>): void {
    const rejected = [...batch.rejects, ...outcome.rejects].sort((a, b) => a.line - b.line);
    this.thisRun = addCounters(this.thisRun, {
      read: batch.read,
      delivered: outcome.delivered,
      filtered: batch.filtered + outcome.filtered,
      rejected: rejected.length,
      retried: outcome.retried,
      seconds: 0,
    });
    this.filled.messageId += batch.filled.messageId;
    this.filled.timestamp += batch.filled.timestamp;
    this.position = batch.end;
    this.digest = batch.endDigest;
    if (this.o.files) {
      this.o.files.rejects.append(rejected);
      this.o.files.rejects.sync();
      this.write(false);
    } else {
      this.sample.push(...rejected.slice(0, DRY_RUN_SAMPLE - this.sample.length));
    }
  }

  /** The checkpoint as things stand (nothing in a dry run). */
  write(complete: boolean): void {
    this.thisRun.seconds = (this.o.clock() - this.startedAt) / 1000;
    if (!this.o.files) return;
    writeCheckpoint(this.o.files.checkpoint, {
      version: CHECKPOINT_VERSION,
      input: this.o.input,
      app_id: this.o.appId,
      offset: this.position.offset,
      line: this.position.line,
      prefix_sha256: this.digest,
      rejects_bytes: this.o.files.rejects.bytes,
      complete,
      counters: this.allRuns,
      updated_at: new Date(this.o.clock()).toISOString(),
    });
    this.recorded = this.position;
  }
}

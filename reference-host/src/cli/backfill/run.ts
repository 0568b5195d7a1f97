import type { Batch } from './batches.js';
import { errorText } from '../../common/error-text.js';
import type { BatchOutcome } from './send.js';

type Settled = Extract<BatchOutcome, { kind: 'settled' }>;

export interface BatchRun {
  batches: AsyncGenerator<Batch>;
  /** Settles one batch; `stop` aborts when the run stops (a signal, or another batch's fatal answer). */
  send(batch: Batch, stop: AbortSignal): Promise<BatchOutcome>;
  /** Records a settled batch (rejects, checkpoint, progress), strictly in file order. */
  commit(batch: Batch, outcome: Settled): void;
  /** Batches read and not yet committed, at most: those in flight and those settled behind a slower one. */
  concurrency: number;
  /** Aborted by SIGINT/SIGTERM. */
  interrupt: AbortSignal;
}

export type RunEnd = { kind: 'complete' } | { kind: 'interrupted' } | { kind: 'fatal'; message: string };

/**
 * The backfill loop: settles batches side by side and commits them in file order, so the checkpoint
 * only ever moves past batches that are settled along with every batch before them. A batch is read
 * only when fewer than `concurrency` are uncommitted: a settled batch waiting behind a slower one
 * holds its slot, so memory stays bounded and the file is read no faster than Heap takes it.
 * Stopping waits for the sends in flight (an answer on its way is counted), abandons what would wait
 * longer, and commits what settled.
 */
export async function runBatches(run: BatchRun): Promise<RunEnd> {
  const halt = new AbortController();
  const stop = AbortSignal.any([run.interrupt, halt.signal]);
  const outcomes = new Map<number, { batch: Batch; outcome: BatchOutcome }>();
  const inFlight = new Set<Promise<void>>();
  let nextToCommit = 0;
  let blocked = false;
  let fatal: string | undefined;
  let commitError: unknown;

  const commitReady = () => {
    while (!blocked && outcomes.has(nextToCommit)) {
      const { batch, outcome } = outcomes.get(nextToCommit)!;
      outcomes.delete(nextToCommit);
      if (outcome.kind !== 'settled') {
        blocked = true;
        break;
      }
      try {
        run.commit(batch, outcome);
      } catch (error) {
        commitError = error;
        blocked = true;
        halt.abort();
        break;
      }
      nextToCommit++;
    }
  };

  let started = 0;
  let readAll = false;
  let readError: unknown;
  try {
    for (;;) {
      while (inFlight.size > 0 && started - nextToCommit >= run.concurrency) await Promise.race(inFlight);
      if (stop.aborted || blocked) break;
      const next = await run.batches.next();
      if (next.done) readAll = true;
      if (next.done || stop.aborted) break;
      const batch = next.value;
      started++;
      const task: Promise<void> = run
        .send(batch, stop)
        .catch((error: unknown): BatchOutcome => ({ kind: 'fatal', message: errorText(error) }))
        .then((outcome) => {
          if (outcome.kind === 'fatal') {
            fatal ??= outcome.message;
            halt.abort();
          }
          outcomes.set(batch.seq, { batch, outcome });
          commitReady();
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  } catch (error) {
    // The file could not be read on: what is in flight still settles and is committed.
    readError = error;
    halt.abort();
  }
  await Promise.all(inFlight);
  await run.batches.return(undefined);
  if (commitError !== undefined) throw commitError;
  if (readError !== undefined) throw readError;
  if (fatal !== undefined) return { kind: 'fatal', message: fatal };
  // Interrupted after the last batch settled, the run is as complete as an uninterrupted one.
  if (readAll && !blocked && outcomes.size === 0) return { kind: 'complete' };
  return { kind: 'interrupted' };
}

import { EXIT } from '../failures.js';

/**
 * SIGINT and SIGTERM stop a run gracefully: the batches in flight finish (or are abandoned when they
 * would wait), the checkpoint is written, the summary printed. A second signal stops at once; the
 * checkpoint is then the one of the last settled batch, which is still a good place to resume.
 * Installed before anything else the command does, so a signal is never met by Node's default
 * (an exit with nothing said); `say` words each notice as things stand when the signal arrives.
 */
export function onStopSignals(err: NodeJS.WritableStream, say: (name: NodeJS.Signals, again: boolean) => string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    const again = controller.signal.aborted;
    err.write(`${say(name, again)}\n`);
    if (again) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** A stop signal came before the run began sending: nothing was sent, and the run ends at once. */
export class StoppedEarly extends Error {
  constructor() {
    super('stopped before anything was sent');
  }
}

/** `work`'s result, unless the stop signal comes first: then StoppedEarly (the work is left to end unheard). */
export async function unlessStopped<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) throw new StoppedEarly();
  let onAbort: () => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(new StoppedEarly());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, stopped]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

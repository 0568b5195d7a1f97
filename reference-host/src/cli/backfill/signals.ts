/**
 * SIGINT and SIGTERM stop a run gracefully: the batches in flight finish (or are abandoned when they
 * would wait), the checkpoint is written, the summary printed. A second signal stops at once; the
 * checkpoint is then the one of the last settled batch, which is still a good place to resume.
 */
export function onStopSignals(err: NodeJS.WritableStream): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      err.write(`${name} again: stopping now; the checkpoint is the one of the last settled batch\n`);
      process.exit(130);
    }
    err.write(`${name}: finishing the batches in flight, then writing the checkpoint (${name} again stops at once)\n`);
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

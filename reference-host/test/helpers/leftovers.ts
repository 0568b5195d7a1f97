import { afterAll } from '@jest/globals';

/**
 * What the test file running now started through the helpers. A test that fails half-way never
 * reaches its own stop calls, and one server left listening keeps Jest from ending: after the file's
 * own teardown, whatever is still open is stopped here. Each helper module is loaded once per test
 * file, so this hook is the file's, registered when the file imports a helper.
 */
const stops: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
});

/** Calls `stop` after the test file; `stop` must be harmless when the test already stopped what it stops. */
export function stopAfterFile(stop: () => Promise<unknown>): void {
  stops.push(stop);
}

/** `stop` made safe to call again (the test's call, then the file's): every call after the first gets the first's promise. */
export function once<T>(stop: () => Promise<T>): () => Promise<T> {
  let stopping: Promise<T> | undefined;
  return () => (stopping ??= stop());
}

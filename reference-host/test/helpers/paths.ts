import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The reference host's package folder, wherever the tests are started from. */
export const HOST_PACKAGE = fileURLToPath(new URL('../../', import.meta.url));

/** A path inside the reference host's package (`src/start.ts`, `dist/start.js`). */
export function hostPath(relative: string): string {
  return join(HOST_PACKAGE, relative);
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The reference host's package folder, wherever the tests are started from. */
export const HOST_PACKAGE = fileURLToPath(new URL('../../', import.meta.url));

/** A path inside the reference host's package (`src/start.ts`, `dist/start.js`). */
export function hostPath(relative: string): string {
  return join(HOST_PACKAGE, relative);
}

/**
 * A file of the built host (`dist/start.js`), as `npm start` and the installed command run it: no
 * compiler in the child, so a busy machine starts it as fast as an operator's. `npm test` builds first.
 */
export function builtPath(relative: string): string {
  const path = hostPath(relative);
  if (!existsSync(path)) throw new Error(`${relative} is missing: these tests run the built host (npm test builds it; or run npm run build)`);
  return path;
}

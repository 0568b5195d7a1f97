// Jest's globalTeardown: stops what global-setup.mjs started.
import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown() {
  const { tearDownTestRun } = await tsImport('./test-run.ts', import.meta.url);
  await tearDownTestRun();
}

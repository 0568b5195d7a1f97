// Jest's globalSetup. Jest loads it with Node's own loader, which cannot resolve the helpers'
// `./x.js` imports of TypeScript files; tsx can, for this one import only.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { setUpTestRun } = await tsImport('./test-run.ts', import.meta.url);
  await setUpTestRun();
}

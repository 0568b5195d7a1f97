import { chromiumLine, chromiumProblem } from './chromium-check.js';
import { provideTestDatabase } from './test-database.js';

// Kept on globalThis: the teardown's import of this file may be a fresh instance of it.
const run = globalThis as { stopTestDatabase?: () => Promise<void> };

/**
 * Once per run, before any test file: finds or starts the PostgreSQL every suite uses and checks
 * that Chromium launches. Test files learn both through the environment, which Jest's workers inherit:
 * TEST_DATABASE_URL (the server) and TEST_CHROMIUM_PROBLEM (why the browser suites cannot run).
 */
export async function setUpTestRun(): Promise<void> {
  const [database, chromium] = await Promise.all([provideTestDatabase(), chromiumProblem()]);
  run.stopTestDatabase = database.stop;
  process.env.TEST_DATABASE_URL = database.url;
  if (database.note) process.stderr.write(`\n${database.note}\n`);
  if (chromium) process.env.TEST_CHROMIUM_PROBLEM = chromiumLine(chromium);
  else delete process.env.TEST_CHROMIUM_PROBLEM;
}

/**
 * After the last test file and Jest's summary: says, in one line under the summary, what was not
 * run; stops what setUpTestRun started (the run's own PostgreSQL, if any).
 */
export async function tearDownTestRun(): Promise<void> {
  if (process.env.TEST_CHROMIUM_PROBLEM) process.stderr.write(`${process.env.TEST_CHROMIUM_PROBLEM}\n`);
  await run.stopTestDatabase?.();
  delete run.stopTestDatabase;
}

import { provideTestDatabase } from './test-database.js';

// Kept on globalThis: the teardown's import of this file may be a fresh instance of it.
const run = globalThis as { stopTestDatabase?: () => Promise<void> };

/**
 * Once per run, before any test file: finds or starts the PostgreSQL every suite uses. Test files
 * learn it through the environment, which Jest's workers inherit: TEST_DATABASE_URL.
 */
export async function setUpTestRun(): Promise<void> {
  const database = await provideTestDatabase();
  run.stopTestDatabase = database.stop;
  process.env.TEST_DATABASE_URL = database.url;
  if (database.note) process.stderr.write(`\n${database.note}\n`);
}

/** After the last test file: stops what setUpTestRun started (the run's own PostgreSQL, if any). */
export async function tearDownTestRun(): Promise<void> {
  await run.stopTestDatabase?.();
  delete run.stopTestDatabase;
}

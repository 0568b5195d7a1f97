import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentSchema } from '../../src/environment.js';
import { DEFAULT_DEADLINE_MS, waitUntil } from '../helpers/conditions.js';
import { API_KEY, APP_ID } from '../helpers/heap.js';
import { builtPath } from '../helpers/paths.js';

/**
 * `npm start` (the built dist/start.js) as a real process with bad environments: one line per
 * problem on stderr, naming the variable or the file and what to do, exit code 1, never a stack,
 * never a secret's value. And what it prints when it does start.
 */
const root = mkdtempSync(join(tmpdir(), 'datafly-environment-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SECRET_KEY = 'c'.repeat(64);
const ADMIN = 'env-admin-token-5e1f0a';
const PIPELINE = 'env-pipeline-key-77b2c9';
const DB_PASSWORD = 'hunter2-db-password';
/** Every secret value these runs hand the host; none may appear in anything it prints. */
const SECRET_VALUES = [SECRET_KEY, ADMIN, PIPELINE, DB_PASSWORD, 'xyz-not-a-key'];
const printed: string[] = [];

/** The test runner's environment without any variable the host reads: each run says exactly what it sets. */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in EnvironmentSchema.shape)));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dirs = 0;
const dataDir = () => join(root, `data-${++dirs}`);

/** Starts dist/start.js; resolves when it exits, or (with `stopWhen`) once stdout says so, after stopping it. */
function start(env: Record<string, string>, stopWhen?: (stdout: string) => boolean, during?: (stdout: string) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, [builtPath('dist/start.js')], { env: { ...baseEnv, DATA_DIR: dataDir(), HEAP_SANDBOX: 'off', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let stopping = false;
  return new Promise<Run>((resolve, reject) => {
    // Only ends a hung start: a busy machine never reaches it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dist/start.js neither exited nor printed what was awaited within ${DEFAULT_DEADLINE_MS / 1000} s:\n${stdout}\n${stderr}`));
    }, DEFAULT_DEADLINE_MS);
    child.stdout.on('data', async (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stopWhen && !stopping && stopWhen(stdout)) {
        stopping = true;
        await during?.(stdout).catch(reject);
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

const expectRefused = (run: Run, lines: string[]) => {
  expect(run.stderr).toBe(lines.map((l) => `error: ${l}\n`).join(''));
  expect(run.code).toBe(1);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
};

describe('npm start with a bad environment', () => {
  const cluster = { DATAFLY_SECRET_KEY: SECRET_KEY, DATAFLY_ADMIN_TOKEN: ADMIN, DATAFLY_PIPELINE_KEY: PIPELINE };

  const refusals: [Record<string, string>, string[]][] = [
    [{ PORT: 'abc' }, ['PORT="abc": must be a port number from 0 to 65535']],
    [{ PORT: '70000', DATAFLY_LOG_RETENTION_DAYS: 'abc' }, ['PORT="70000": must be a port number from 0 to 65535', 'DATAFLY_LOG_RETENTION_DAYS="abc": must be a whole number of days, at least 1']],
    [{ DATAFLY_LOG_RETENTION_DAYS: 'abc' }, ['DATAFLY_LOG_RETENTION_DAYS="abc": must be a whole number of days, at least 1']],
    [{ DATAFLY_LOG_RETENTION_DAYS: '-1' }, ['DATAFLY_LOG_RETENTION_DAYS="-1": must be a whole number of days, at least 1']],
    [{ LOG_LEVEL: 'verbose' }, ['LOG_LEVEL="verbose": must be debug, info, warn or error']],
    [{ DATABASE_URL: 'mysql://x' }, ['DATABASE_URL: must be a postgres:// URL, e.g. postgres://user:password@db.internal:5432/datafly']],
    [{ DATAFLY_SECRET_KEY: 'xyz-not-a-key' }, ['DATAFLY_SECRET_KEY: must be 64 hexadecimal characters (32 bytes), e.g. from: openssl rand -hex 32']],
    [{ DATAFLY_ADMIN_TOKEN: 'short' }, ['DATAFLY_ADMIN_TOKEN: must be at least 16 characters without spaces']],
  ];

  it('a bad variable is refused in one line naming it and what it expects, exit 1 (each case its own process, run side by side)', async () => {
    const runs = await Promise.all(refusals.map(([env]) => start(env)));
    refusals.forEach(([env, lines], i) => {
      expect([env, runs[i].stderr]).toEqual([env, lines.map((l) => `error: ${l}\n`).join('')]);
      expectRefused(runs[i], lines);
    });
  });

  it('PostgreSQL mode without its shared secrets: one line per missing variable', async () => {
    const url = `postgres://postgres:${DB_PASSWORD}@127.0.0.1:5432/datafly`;
    const why = 'must be set when DATABASE_URL is (PostgreSQL mode): every instance of a cluster must use the same value';
    expectRefused(await start({ DATABASE_URL: url, DATAFLY_ADMIN_TOKEN: ADMIN, DATAFLY_PIPELINE_KEY: PIPELINE }), [`DATAFLY_SECRET_KEY: ${why}`]);
    expectRefused(await start({ DATABASE_URL: url }), [`DATAFLY_SECRET_KEY: ${why}`, `DATAFLY_ADMIN_TOKEN: ${why}`, `DATAFLY_PIPELINE_KEY: ${why}`]);
  });

  it('a busy PORT is named with what to do', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      expectRefused(await start({ PORT: String(port) }), [`PORT=${port}: the port is already in use on 127.0.0.1: stop what listens there or set PORT to a free port`]);
    } finally {
      busy.close();
    }
  });

  it('both ports busy (another npm start): both are named in one refusal, not one start at a time', async () => {
    const servers = [createServer(), createServer()];
    const [hostPort, sandboxPort] = await Promise.all(
      servers.map((server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)))),
    );
    try {
      expectRefused(await start({ PORT: String(hostPort), HEAP_SANDBOX: 'on', HEAP_SANDBOX_PORT: String(sandboxPort) }), [
        `HEAP_SANDBOX_PORT=${sandboxPort}: the port is already in use on 127.0.0.1 (another npm start?): stop what listens there, set HEAP_SANDBOX_PORT to a free port, or HEAP_SANDBOX=off`,
        `PORT=${hostPort}: the port is already in use on 127.0.0.1 too: stop what listens there or set PORT to a free port`,
      ]);
    } finally {
      for (const server of servers) server.close();
    }
  });

  it('PostgreSQL unreachable: names host and port, never the password', async () => {
    const run = await start({ ...cluster, DATABASE_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:1/x` });
    expectRefused(run, ['PostgreSQL at 127.0.0.1:1/x did not accept a connection (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1): check DATABASE_URL and that the server runs.']);
  });

  it('a corrupt SQLite file, and an emptied one, are named with what to do; DATAFLY_INIT_DATABASE=1 starts on the emptied one', async () => {
    const corrupt = dataDir();
    mkdirSync(corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'host.sqlite'), Buffer.alloc(8192, 'not a database '));
    expectRefused(await start({ DATA_DIR: corrupt, PORT: '0' }), [
      `The database file ${join(corrupt, 'host.sqlite')} is corrupt (SQLITE_NOTADB): stop the host, restore the file from a backup (or move it aside to start empty), then start again.`,
    ]);

    const emptied = dataDir();
    mkdirSync(emptied, { recursive: true });
    writeFileSync(join(emptied, 'host.sqlite'), '');
    expectRefused(await start({ DATA_DIR: emptied, PORT: '0' }), [
      `The database file ${join(emptied, 'host.sqlite')} is empty (0 bytes): it may have been truncated or replaced, and starting on it would begin with no integrations and no queue. Restore it from a backup, or set DATAFLY_INIT_DATABASE=1 to initialise it as a new, empty host database.`,
    ]);
    // Refused, and left as it was found: nothing written into it, no journal beside it.
    expect(statSync(join(emptied, 'host.sqlite')).size).toBe(0);
    expect(readdirSync(emptied).filter((f) => f.startsWith('host.sqlite'))).toEqual(['host.sqlite']);
    const initialised = await start({ DATA_DIR: emptied, PORT: '0', DATAFLY_INIT_DATABASE: '1' }, (out) => out.includes('Send an event:'));
    expect(initialised).toMatchObject({ code: 0, stderr: '' });
    expect(statSync(join(emptied, 'host.sqlite')).size).toBeGreaterThan(0);
  });
});

describe('npm start banner', () => {
  const bannerDone = (out: string) => /Send an event:\n.*\n.*\n/.test(out);
  const INSTALL_CURL = 'Install Heap against the sandbox:';

  it('refuses a secret key that does not open the stored secrets, in one line, and starts again with the right one', async () => {
    const dir = dataDir();
    const other = 'd'.repeat(64);
    expect((await start({ DATA_DIR: dir, DATAFLY_SECRET_KEY: SECRET_KEY, PORT: '0' }, bannerDone)).code).toBe(0);
    expectRefused(await start({ DATA_DIR: dir, DATAFLY_SECRET_KEY: other, PORT: '0' }), [
      'DATAFLY_SECRET_KEY is not the key the secrets in this database were sealed with, so the stored API keys cannot be opened: start every instance with the key the first one used (a new key cannot recover them)',
    ]);
    // The key generated into DATA_DIR is the reference for a host started without one.
    const generated = dataDir();
    expect((await start({ DATA_DIR: generated, PORT: '0' }, bannerDone)).code).toBe(0);
    expectRefused(await start({ DATA_DIR: generated, DATAFLY_SECRET_KEY: other, PORT: '0' }), [
      'DATAFLY_SECRET_KEY is not the key the secrets in this database were sealed with, so the stored API keys cannot be opened: start every instance with the key the first one used (a new key cannot recover them)',
    ]);
    rmSync(join(generated, 'secret.key'));
    expectRefused(await start({ DATA_DIR: generated, PORT: '0' }), [
      `The secret key in ${join(generated, 'secret.key')} is not the key the secrets in this database were sealed with, so the stored API keys cannot be opened: start every instance with the key the first one used (a new key cannot recover them)`,
    ]);
    expect((await start({ DATA_DIR: dir, DATAFLY_SECRET_KEY: SECRET_KEY, PORT: '0' }, bannerDone)).code).toBe(0);
  });

  it('keeps serving when the reader of its output goes away (npm start | head -1), and stops on SIGTERM', async () => {
    // At debug level every answered request writes a line: each /health below meets the closed pipe.
    const child = spawn(process.execPath, [builtPath('dist/start.js')], { env: { ...baseEnv, DATA_DIR: dataDir(), HEAP_SANDBOX: 'off', PORT: '0', LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve) => {
        let seen = '';
        child.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const started = /"msg":"host started","url":"(http:[^"]+)"/.exec(seen);
          if (started) resolve(started[1]);
        });
      });
      // Every line from now on (the banner first) meets a closed pipe; each answer below was logged
      // into it, and the next answer shows the host outlived that write.
      child.stdout.destroy();
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${url}/health`)).status);
      expect(statuses).toEqual([200, 200, 200]);
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      expect(await waitUntil(() => child.exitCode, (code) => code !== null, { what: 'the host to exit after SIGTERM' })).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('with tokens from the environment prints no token value and says where they come from', async () => {
    const run = await start({ DATAFLY_ADMIN_TOKEN: ADMIN, DATAFLY_PIPELINE_KEY: PIPELINE, DATAFLY_SECRET_KEY: SECRET_KEY, PORT: '0', HEAP_SANDBOX: 'on', HEAP_SANDBOX_PORT: '0' }, bannerDone);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Management API: {11}http:\/\/127\.0\.0\.1:\d+\/v1\/admin {3}\(admin token from DATAFLY_ADMIN_TOKEN\)\n/);
    expect(run.stdout).toMatch(/Ingestion: {16}http:\/\/127\.0\.0\.1:\d+\/v1\/batch {3}\(pipeline key from DATAFLY_PIPELINE_KEY\)\n/);
    expect(run.stdout).toContain('-H "Authorization: Bearer $DATAFLY_ADMIN_TOKEN"');
    expect(run.stdout).toContain('-H "Authorization: Bearer $DATAFLY_PIPELINE_KEY"');
    for (const value of [ADMIN, PIPELINE, SECRET_KEY]) expect(run.stdout + run.stderr).not.toContain(value);
  });

  it('with a fresh DATA_DIR prints the generated tokens once with their files; the curl to install Heap only while no Heap is installed', async () => {
    const dir = join(dataDir(), 'nested');
    const env = { DATA_DIR: dir, PORT: '0', HEAP_SANDBOX: 'on', HEAP_SANDBOX_PORT: '0' };
    let installed = 0;
    const first = await start(env, bannerDone, async (stdout) => {
      // While it runs: install Heap with the generated admin token, as the printed curl would.
      const url = /reference host with the Heap plugin: (http:\/\/\S+)/.exec(stdout)![1];
      const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
      const answer = await fetch(`${url}/v1/admin/integration-catalog/heap/install`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ config: { app_id: APP_ID, api_key: API_KEY } }),
      });
      installed = answer.status;
    });
    expect(first.code).toBe(0);
    expect(installed).toBe(201);
    const admin = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
    const pipeline = readFileSync(join(dir, 'pipeline.key'), 'utf8').trim();
    expect(first.stdout).toContain(`(admin token ${admin} (generated now, stored in ${join(dir, 'admin.token')}))\n`);
    expect(first.stdout).toContain(`(pipeline key ${pipeline} (generated now, stored in ${join(dir, 'pipeline.key')}))\n`);
    expect(first.stdout.split(admin)).toHaveLength(2);
    expect(first.stdout.split(pipeline)).toHaveLength(2);
    expect(first.stdout).toContain(INSTALL_CURL);
    expect(first.stdout).toContain(`-H "Authorization: Bearer $(cat ${join(dir, 'admin.token')})"`);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of ['host.sqlite', 'admin.token', 'pipeline.key', 'secret.key', 'sandbox-api.key']) expect([file, statSync(join(dir, file)).mode & 0o777]).toEqual([file, 0o600]);

    // Restarted on the same directory with Heap installed: the tokens come from their files, unprinted.
    const second = await start(env, bannerDone);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`(admin token from ${join(dir, 'admin.token')})\n`);
    expect(second.stdout).toContain(`(pipeline key from ${join(dir, 'pipeline.key')})\n`);
    for (const value of [admin, pipeline, readFileSync(join(dir, 'secret.key'), 'utf8').trim()]) expect(second.stdout + second.stderr).not.toContain(value);
    expect(second.stdout).not.toContain(INSTALL_CURL);
    expect(second.stdout).toContain('Send an event:');
  });
});

describe('everything npm start printed above', () => {
  it('holds no secret value', () => {
    expect(printed.length).toBeGreaterThan(20);
    for (const value of SECRET_VALUES) expect(printed.filter((text) => text.includes(value))).toEqual([]);
  });
});

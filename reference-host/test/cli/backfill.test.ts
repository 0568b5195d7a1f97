import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineMessageId } from '../../src/cli/backfill/batches.js';
import { PLACEHOLDER_APP_ID } from '../../src/cli/installation.js';
import { NOT_UTF8_REASON } from '../../src/common/utf8.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { waitFor } from '../helpers/conditions.js';
import { startGate, type Gate } from '../helpers/gate.js';
import { API_KEY, APP_ID, startSandbox, TS } from '../helpers/heap.js';
import { runCli, spawnCli, withoutTimings, type RunningCli } from './cli.js';

/**
 * `heap-integration backfill` as a process against the sandbox over HTTP: every event once per
 * idempotency key across a crash and a resume, the rejects file, the progress lines, the refusals.
 */
describe('heap-integration backfill', () => {
  let sandbox: HeapSandbox;
  let dir: string;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    dir = mkdtempSync(join(tmpdir(), 'heap-cli-backfill-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withKey = { HEAP_API_KEY: API_KEY };
  const args = (file: string, ...extra: string[]) => ['backfill', file, '--app-id', APP_ID, '--endpoint', sandbox.url, ...extra];
  const write = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const track = (messageId: string, userId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'track', event: 'Imported', userId, messageId, timestamp: TS, ...extra });

  it('killed with SIGKILL mid-file, then resumed: every event reaches Heap once per idempotency key, duplicates only as resends Heap dropped', async () => {
    // Every tenth line has no messageId: its key is derived from the line, so the resume resends it under the same key.
    const lines = Array.from({ length: 50_000 }, (_, i) =>
      i % 10 === 9 ? JSON.stringify({ type: 'track', event: 'Imported', userId: `user-${i % 997}`, timestamp: TS, properties: { i } }) : track(`bf-${i}`, `user-${i % 997}`, { properties: { i } }),
    );
    const file = write('events.ndjson', lines);
    const expected = new Set(lines.map((text, i) => (i % 10 === 9 ? lineMessageId({ number: i + 1, text }) : `bf-${i}`)));
    // A slow Heap, so the kill falls while batches are in flight.
    sandbox.addFault({ path: '/api/track', latency_ms: 150 });

    const first = spawnCli(args(file, '--rate-limits', 'off'), withKey);
    await waitFor(() => sandbox.stats().unique_idempotency_keys >= 10_000, { what: 'the kill point' });
    first.child.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });

    // The checkpoint names a line boundary: the bytes before its offset hold exactly its line count.
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'));
    const before = readFileSync(file).subarray(0, checkpoint.offset).toString('utf8');
    expect(before.split('\n').length - 1).toBe(checkpoint.line);
    expect(checkpoint).toMatchObject({ app_id: APP_ID, complete: false, rejects_bytes: 0, input: { size: statSync(file).size } });
    expect(checkpoint.line).toBeLessThan(50_000);

    sandbox.clearFaults();
    const resumed = await runCli(args(file, '--rate-limits', 'off', '--resume'), withKey);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe('');
    const table = resumed.stdout.split('\n').slice(-10, -1).join('\n');
    const thisRun = 50_000 - checkpoint.line;
    expect(withoutTimings(table)).toBe(
      withoutTimings(
        [
          `backfill of ${file} to Heap app ${APP_ID}: complete`,
          '             this run  all runs',
          `  read      ${String(thisRun).padStart(9)}     50000`,
          `  delivered ${String(thisRun).padStart(9)}     50000`,
          '  filtered          0         0',
          '  rejected          0         0',
          '  retried           0         0',
          '  seconds         0.0       0.0',
          `${thisRun / 10} events had no messageId: each got one derived from its line number and text, the same on every run, so a resent line is deduplicated by Heap`,
        ].join('\n'),
      ),
    );

    const keys = sandbox.recordedEvents().map((e) => e.idempotency_key!);
    expect(keys).toHaveLength(50_000);
    expect(new Set(keys)).toEqual(expected);
    expect(sandbox.stats()).toMatchObject({ unique_idempotency_keys: 50_000, events_accepted: 50_000 });
    expect(existsSync(join(dir, 'events.rejects.ndjson'))).toBe(false);
    expect(JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'))).toMatchObject({ offset: statSync(file).size, line: 50_000, complete: true, counters: { read: 50_000, delivered: 50_000 } });
    expect(first.stdout() + first.stderr() + resumed.stdout).not.toContain(API_KEY);
  });

  it('writes the lines it cannot send to the rejects file (not JSON, not an event, refused by Heap), retries what Heap asks to, and prints plain progress lines', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => track(`ok-${i + 1}`, `u-${i % 7}`));
    lines[2] = '{not json';
    lines[3] = JSON.stringify({ type: 'track', event: 'No User', messageId: 'no-user' });
    lines[5] = track('heap-says-no', 'u-1');
    lines[7] = '';
    lines[8] = track('no-consent', 'u-2', { context: { consent: { analytics: false } } });
    lines[9] = JSON.stringify({ type: 'track', event: 'Undated', userId: 'u-3' });
    lines[1499] = '[1,2]';
    lines[1699] = track('flaky', 'u-4');
    const file = write('events.ndjson', lines);
    sandbox.addFault({ path: '/api/track', idempotency_keys: ['heap-says-no'], status: 400, body: JSON.stringify({ error: 'rejected by the test' }) });
    sandbox.addFault({ path: '/api/track', idempotency_key: 'flaky', status: 503, count: 2 });

    const run = await runCli(args(file, '--rate-limits', 'off'), { ...withKey, HEAP_BACKFILL_PROGRESS_MS: '0', DATAFLY_RETRY_SCHEDULE_MS: '10,10,10,10' });
    const rejects = join(dir, 'events.rejects.ndjson');
    expect(run.stderr).toBe('');
    expect(withoutTimings(run.stdout)).toBe(
      withoutTimings(
        [
          'line 1000 of 2500 (40%): 995 delivered, 1 filtered, 3 rejected, 0 retried; 1 events/s, ETA 1 s',
          'line 2000 of 2500 (80%): 1994 delivered, 1 filtered, 4 rejected, 1998 retried; 1 events/s, ETA 1 s',
          'line 2500 of 2500 (100%): 2494 delivered, 1 filtered, 4 rejected, 1998 retried; 1 events/s, ETA 0 s',
          `backfill of ${file} to Heap app ${APP_ID}: complete`,
          '  read       2499',
          '  delivered  2494',
          '  filtered      1',
          '  rejected      4',
          '  retried    1998',
          '  seconds     0.0',
          '1 event had no messageId: each got one derived from its line number and text, the same on every run, so a resent line is deduplicated by Heap',
          '1 event had no timestamp: each was stamped with the time it was read, as ingestion stamps the time it accepts an event',
          `rejected lines are in ${rejects}`,
          '',
        ].join('\n'),
      ),
    );
    expect(run.code).toBe(1);
    expect(readFileSync(rejects, 'utf8')).toBe(
      [
        `{"line":3,"reason":${JSON.stringify(`not valid JSON (${jsonError('{not json')})`)},"event":"{not json"}`,
        `{"line":4,"reason":"invalid event: anonymousId: an event needs a userId or an anonymousId","event":${lines[3]}}`,
        `{"line":6,"reason":"Heap rejected the request (400): rejected by the test","event":${lines[5]}}`,
        '{"line":1500,"reason":"invalid event: must be a JSON object","event":[1,2]}',
        '',
      ].join('\n'),
    );
    const keys = new Set(sandbox.recordedEvents().map((e) => e.idempotency_key));
    expect(keys.size).toBe(2494);
    expect(['heap-says-no', 'no-consent', 'no-user'].filter((k) => keys.has(k))).toEqual([]);
    expect(keys.has('flaky')).toBe(true);
    for (const written of [run.stdout, readFileSync(rejects, 'utf8'), readFileSync(`${file}.checkpoint`, 'utf8')]) expect(written).not.toContain(API_KEY);
  });

  it('gives up on an event Heap keeps answering retryable after the retry policy\'s last attempt, into the rejects file with the reason', async () => {
    const lines = [track('down-1', 'u-1'), track('down-2', 'u-2')];
    const file = write('events.ndjson', lines);
    sandbox.addFault({ path: '/api/track', idempotency_key: 'down-1', status: 503 });
    const run = await runCli(args(file), { ...withKey, DATAFLY_RETRY_SCHEDULE_MS: '10,10' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ {2}retried +4$/m);
    const reason = 'gave up after 3 attempts: Heap server error (503): injected fault (503)';
    expect(readFileSync(join(dir, 'events.rejects.ndjson'), 'utf8')).toBe(lines.map((l, i) => `{"line":${i + 1},"reason":"${reason}","event":${l}}\n`).join(''));
  });

  it('paces itself with the host\'s token buckets: 4,000 events of one identity, 1,000 a minute allowed (minutes scaled down on both sides), go out deferred, not refused', async () => {
    // The sandbox enforces exactly the manifest's limits: a take from a bucket within one flight of full
    // freezes its refill until the answer, so the host's buckets never run ahead of Heap's.
    const limited = await startSandbox({ limits: { enabled: true, scale: 0.01 } });
    try {
      const file = write('one-user.ndjson', Array.from({ length: 4000 }, (_, i) => track(`paced-${i}`, 'heavy-user')));
      const run = await runCli(['backfill', file, '--app-id', APP_ID, '--endpoint', limited.url], { ...withKey, DATAFLY_RATE_LIMIT_SCALE: '0.01', DATAFLY_RETRY_SCHEDULE_MS: '10,10,10,10' });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^ {2}delivered +4000$/m);
      expect(run.stdout).toMatch(/^ {2}retried +0$/m);
      const stats = limited.stats();
      expect(stats).toMatchObject({ unique_idempotency_keys: 4000, duplicates: 0, rate_limited: {} });
      expect(stats.by_status[429]).toBeUndefined();
    } finally {
      await limited.stop();
    }
  });

  it('resumes right after a stop with the buckets the stopped run spent (no 429), kept beside the input until the file is done', async () => {
    // One identity, 1,000 events per 6 s on both sides: the stopped run spent the allowance a moment ago.
    const limited = await startSandbox({ limits: { enabled: true, scale: 0.1 } });
    try {
      const file = write('one-user.ndjson', Array.from({ length: 3000 }, (_, i) => track(`again-${i}`, 'heavy-user')));
      const env = { ...withKey, DATAFLY_RATE_LIMIT_SCALE: '0.1' };
      const running = spawnCli(['backfill', file, '--app-id', APP_ID, '--endpoint', limited.url], env);
      await waitFor(() => limited.stats().unique_idempotency_keys >= 1000, { what: 'the first allowance spent' });
      running.child.kill('SIGTERM');
      expect((await running.exited).code).toBe(130);
      expect(readdirSync(dir).sort()).toEqual(['one-user.ndjson', 'one-user.ndjson.checkpoint', 'one-user.ndjson.pacing']);
      const resumed = await runCli(['backfill', file, '--app-id', APP_ID, '--endpoint', limited.url, '--resume'], env);
      expect(resumed).toMatchObject({ code: 0, stderr: '' });
      const stats = limited.stats();
      expect(stats).toMatchObject({ unique_idempotency_keys: 3000, rate_limited: {} });
      expect(stats.by_status[429]).toBeUndefined();
      expect(readdirSync(dir).sort()).toEqual(['one-user.ndjson', 'one-user.ndjson.checkpoint']);
    } finally {
      await limited.stop();
    }
  });

  it('--dry-run checks the whole file and says what would be sent, filtered and rejected, without sending, without the API key, writing nothing', async () => {
    const file = write('events.ndjson', [
      track('a', 'u-1'),
      '{"type": ',
      JSON.stringify({ type: 'identify', anonymousId: 'anon-1', traits: { plan: 'free' }, messageId: 'anon-identify', timestamp: TS }),
      JSON.stringify({ type: 'page', anonymousId: 'anon-1' }),
      JSON.stringify({ type: 'group', userId: 'u-1', messageId: 'no-group', timestamp: TS }),
    ]);
    const run = await runCli(args(file, '--dry-run'));
    expect(run.stderr).toBe('');
    expect(withoutTimings(run.stdout)).toBe(
      withoutTimings(
        [
          'line 5 of 5 (100%): 2 to send, 1 filtered, 2 rejected; 1 events/s, ETA 0 s',
          `dry run of ${file} for Heap app ${APP_ID}: nothing was sent`,
          '  read        5',
          '  to send     2',
          '  filtered    1',
          '  rejected    2',
          '  seconds   0.0',
          '1 event had no messageId: each got one derived from its line number and text, the same on every run, so a resent line is deduplicated by Heap',
          '1 event had no timestamp: each was stamped with the time it was read, as ingestion stamps the time it accepts an event',
          'lines that would be rejected:',
          `  {"line":2,"reason":${JSON.stringify(`not valid JSON (${jsonError('{"type": ')})`)},"event":"{\\"type\\": "}`,
          '  {"line":5,"reason":"invalid event: groupId: a group event needs a groupId (the account it describes)","event":{"type":"group","userId":"u-1","messageId":"no-group","timestamp":"2026-02-25T14:30:00.000Z"}}',
          '',
        ].join('\n'),
      ),
    );
    expect(run.code).toBe(1);
    expect(readdirSync(dir)).toEqual(['events.ndjson']);
    expect(sandbox.stats().requests).toBe(0);
    // Nothing is sent, so no app is needed: the placeholder stands in, and the summary names it.
    const noApp = await runCli(['backfill', file, '--dry-run']);
    expect(noApp.code).toBe(1);
    expect(noApp.stdout).toContain(`dry run of ${file} for Heap app ${PLACEHOLDER_APP_ID}: nothing was sent\n`);
  });

  it('stops on SIGTERM: finishes what is in flight, writes the checkpoint, prints the summary and how to resume, exit 130', async () => {
    const file = write('events.ndjson', Array.from({ length: 20_000 }, (_, i) => track(`term-${i}`, `u-${i % 50}`)));
    sandbox.addFault({ path: '/api/track', latency_ms: 200 });
    const running = spawnCli(args(file, '--rate-limits', 'off'), withKey);
    await waitFor(() => sandbox.stats().unique_idempotency_keys >= 2000, { what: 'some events at Heap' });
    running.child.kill('SIGTERM');
    const run = await running.exited;
    expect(run.code).toBe(130);
    expect(run.stderr).toBe('SIGTERM: finishing the batches in flight, then writing the checkpoint (SIGTERM again stops at once)\n');
    const checkpoint = JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'));
    expect(run.stdout).toContain(`backfill of ${file} to Heap app ${APP_ID}: interrupted at line ${checkpoint.line} of 20000\n`);
    expect(run.stdout.endsWith(`the checkpoint ${file}.checkpoint is at line ${checkpoint.line}; continue with:\n  heap-integration backfill ${file} --app-id ${APP_ID} --endpoint ${sandbox.url} --rate-limits off --resume\n`)).toBe(true);
    expect(checkpoint.counters.delivered).toBe(checkpoint.line);

    sandbox.clearFaults();
    const resumed = await runCli(args(file, '--rate-limits', 'off', '--resume'), withKey);
    expect(resumed.code).toBe(0);
    expect(sandbox.stats().unique_idempotency_keys).toBe(20_000);
  });

  describe('behind a gate that holds Heap\'s answers at a chosen step', () => {
    let gate: Gate;
    let running: RunningCli[] = [];
    beforeEach(async () => {
      gate = await startGate(sandbox.url);
    });
    afterEach(async () => {
      // A run a failed expectation left waiting at the gate ends with the test.
      for (const { child } of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      running = [];
      await gate.stop();
    });
    const spawnThrough = (args: string[], env: Record<string, string>) => {
      const started = spawnCli(args, env);
      running.push(started);
      return started;
    };

    const TRACK = '/api/track';
    const AUTH = '/api/public/v0/auth_token';
    const through = (file: string, ...extra: string[]) => ['backfill', file, '--app-id', APP_ID, '--endpoint', gate.url, '--rate-limits', 'off', ...extra];
    const command = (file: string, ...extra: string[]) => ['heap-integration', ...through(file, ...extra)].join(' ');
    /** One batch at a time: when the second batch's request is held, the first is settled and in the checkpoint. */
    const oneAtATime = { ...withKey, DATAFLY_DELIVERY_CONCURRENCY: '1' };

    const refusal = (path: string, what: string, role: string, kind = 'file') =>
      `error: ${path} is ${what}: the backfill keeps its ${role} there and uses only a plain ${kind} of its own; move it away and run again\n`;

    /** A run stopped by SIGTERM with its second batch in flight: the checkpoint stands after the first batch or the second. */
    const interrupted = async (file: string) => {
      gate.close(TRACK, 1);
      const run = spawnThrough(through(file), oneAtATime);
      await waitFor(() => gate.held(TRACK) === 1, { what: 'the second batch held' });
      run.child.kill('SIGTERM');
      await waitFor(() => run.stderr().includes('SIGTERM: finishing'), { what: 'the stop heard' });
      gate.open();
      expect((await run.exited).code).toBe(130);
      return JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'));
    };

    it('refuses links and special files where it keeps its own (rejects file, checkpoint\'s temporary file, pacing folder), naming the path, and writes through none', async () => {
      const file = write('events.ndjson', [track('own-1', 'u-1'), '{not json', track('own-3', 'u-1')]);
      const precious = join(dir, 'precious.txt');
      writeFileSync(precious, 'kept as it is\n');
      const elsewhere = join(dir, 'elsewhere');
      mkdirSync(elsewhere);
      const rejects = join(dir, 'events.rejects.ndjson');
      const cases: [string, (path: string) => void, string, string[]][] = [
        [rejects, (path) => symlinkSync(precious, path), refusal(rejects, 'a symbolic link', 'rejects file'), through(file)],
        [rejects, (path) => execFileSync('mkfifo', [path]), refusal(rejects, 'a named pipe, not a regular file', 'rejects file'), through(file)],
        [rejects, (path) => linkSync(precious, path), refusal(rejects, 'a file with 2 hard links (another name for a file elsewhere)', 'rejects file'), through(file)],
        [`${file}.checkpoint.tmp`, (path) => symlinkSync(precious, path), refusal(`${file}.checkpoint.tmp`, 'a symbolic link', "checkpoint's temporary file"), through(file)],
        // Pacing by Heap's limits keeps its store there.
        [`${file}.pacing`, (path) => symlinkSync(elsewhere, path), refusal(`${file}.pacing`, 'a symbolic link', 'pacing folder', 'folder'), ['backfill', file, '--app-id', APP_ID, '--endpoint', gate.url]],
      ];
      for (const [path, plant, stderr, args] of cases) {
        plant(path);
        expect(await runCli(args, withKey)).toEqual({ code: 2, signal: null, stdout: '', stderr });
        rmSync(path);
      }
      expect(readFileSync(precious, 'utf8')).toBe('kept as it is\n');
      expect(readdirSync(elsewhere)).toEqual([]);
      expect(readdirSync(dir).sort()).toEqual(['elsewhere', 'events.ndjson', 'precious.txt']);
      expect(sandbox.stats().events_accepted).toBe(0);
    });

    it('a resumed run refuses a rejects file that is a link: the file it points to keeps every byte (it was cut to the checkpoint\'s length)', async () => {
      const file = write('events.ndjson', Array.from({ length: 3000 }, (_, i) => (i === 1 ? '{not json' : track(`own-${i}`, `u-${i % 7}`))));
      const checkpoint = await interrupted(file);
      expect(checkpoint.rejects_bytes).toBeGreaterThan(0);
      const sent = sandbox.stats().unique_idempotency_keys;
      const precious = join(dir, 'precious.txt');
      writeFileSync(precious, 'kept as it is\n'.repeat(100));
      const rejects = join(dir, 'events.rejects.ndjson');
      rmSync(rejects);
      symlinkSync(precious, rejects);
      expect(await runCli(through(file, '--resume'), withKey)).toEqual({ code: 2, signal: null, stdout: '', stderr: refusal(rejects, 'a symbolic link', 'rejects file') });
      expect(readFileSync(precious, 'utf8')).toBe('kept as it is\n'.repeat(100));
      expect(JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'))).toEqual(checkpoint);
      expect(sandbox.stats().unique_idempotency_keys).toBe(sent);
    });

    it('refuses a checkpoint that does not fit the input (offset past its end, moved to another line, bytes before it changed, an older version), or is a link, a pipe or too large, without reading it whole', async () => {
      const lines = Array.from({ length: 5000 }, (_, i) => track(`fit-${i}`, `u-${i % 7}`));
      const file = write('events.ndjson', lines);
      const size = statSync(file).size;
      const endOf = (line: number) => lines.slice(0, line).reduce((bytes, text) => bytes + Buffer.byteLength(text) + 1, 0);
      const checkpoint = await interrupted(file);
      expect(checkpoint.offset).toBe(endOf(checkpoint.line));
      const path = `${file}.checkpoint`;
      const startOver = `delete ${path} (and ${join(dir, 'events.rejects.ndjson')}) to start over`;
      const notFit = (why: string) => `error: --resume: ${path} does not fit ${file}: ${why}; ${startOver}\n`;
      const later = checkpoint.line + 2000;
      const cases: [() => void, string][] = [
        [() => writeFileSync(path, JSON.stringify({ ...checkpoint, offset: size + 10 })), notFit(`its offset ${size + 10} is past the end of the file (${size} bytes)`)],
        [() => writeFileSync(path, JSON.stringify({ ...checkpoint, offset: endOf(later) })), notFit(`its offset ${endOf(later)} is not where line ${checkpoint.line} ends`)],
        [() => writeFileSync(path, JSON.stringify({ ...checkpoint, offset: endOf(later) - 5 })), notFit(`its offset ${endOf(later) - 5} is not where line ${checkpoint.line} ends`)],
        [() => writeFileSync(path, JSON.stringify({ ...checkpoint, offset: endOf(later), line: later })), notFit(`the file's ${endOf(later)} bytes before its offset are not the ones the run read (another SHA-256)`)],
        [
          () => writeFileSync(path, JSON.stringify({ ...checkpoint, version: 1, prefix_sha256: undefined })),
          `error: ${path} was written by an earlier version of heap-integration, which recorded no digest of the input to check it against: delete it to start over (Heap deduplicates the events sent again by their messageId)\n`,
        ],
        [() => symlinkSync('/dev/zero', path), `error: ${path} is a symbolic link: the backfill keeps its checkpoint there and uses only a plain file of its own; move it away and run again\n`],
        [() => execFileSync('mkfifo', [path]), `error: ${path} is a named pipe, not a regular file: the backfill keeps its checkpoint there and uses only a plain file of its own; move it away and run again\n`],
        [() => writeFileSync(path, ' '.repeat(100 * 1024)), `error: ${path} holds ${100 * 1024} bytes, more than a checkpoint ever does (65536): it is not one; move it away to start over\n`],
      ];
      const sent = sandbox.stats().unique_idempotency_keys;
      for (const [plant, stderr] of cases) {
        rmSync(path, { force: true });
        plant();
        expect(await runCli(through(file, '--resume'), withKey)).toEqual({ code: 2, signal: null, stdout: '', stderr });
      }
      expect(sandbox.stats().unique_idempotency_keys).toBe(sent);

      // The checkpoint as the run wrote it resumes where it stood.
      rmSync(path);
      writeFileSync(path, JSON.stringify(checkpoint));
      const resumed = await runCli(through(file, '--resume'), withKey);
      expect(resumed).toMatchObject({ code: 0, stderr: '' });
      expect(resumed.stdout).toMatch(new RegExp(`^ {2}read +${5000 - checkpoint.line} +5000$`, 'm'));
      expect(sandbox.stats().unique_idempotency_keys).toBe(5000);
    });

    it('Ctrl-C before anything is sent says there is nothing to resume; on a resumed run, that the checkpoint still stands; a second Ctrl-C prints how to resume', async () => {
      const file = write('events.ndjson', Array.from({ length: 3000 }, (_, i) => track(`ctrl-c-${i}`, `u-${i % 7}`)));
      const checkpoint = `${file}.checkpoint`;
      const stopWhileHeld = async (prefix: string, args: string[]) => {
        gate.close(prefix);
        const run = spawnThrough(args, withKey);
        await waitFor(() => gate.held(prefix) > 0, { what: `a request to ${prefix} held` });
        run.child.kill('SIGINT');
        return run;
      };

      // Waiting for Heap to confirm the credentials: nothing was sent, and nothing is written.
      const early = await (await stopWhileHeld(AUTH, through(file))).exited;
      expect(early).toEqual({
        code: 130,
        signal: null,
        stdout: `backfill of ${file} to Heap app ${APP_ID}: stopped before anything was sent, so there is nothing to resume; start again with:\n  ${command(file)}\n`,
        stderr: 'SIGINT: stopping; nothing was sent\n',
      });
      expect(readdirSync(dir)).toEqual(['events.ndjson']);
      gate.open();

      // A first batch in flight: the first Ctrl-C waits for it, the second stops at once and says how to go on.
      const inFlight = await stopWhileHeld(TRACK, through(file));
      await waitFor(() => inFlight.stderr().includes('SIGINT: finishing'), { what: 'the first stop heard' });
      inFlight.child.kill('SIGINT');
      const stopped = await inFlight.exited;
      expect(stopped.code).toBe(130);
      expect(stopped.stderr).toBe(
        [
          'SIGINT: finishing the batches in flight, then writing the checkpoint (SIGINT again stops at once)',
          `SIGINT again: stopping now; the checkpoint ${checkpoint} is at line 0 (the last settled batch); continue with:`,
          `  ${command(file, '--resume')}`,
          '',
        ].join('\n'),
      );
      const written = readFileSync(checkpoint, 'utf8');
      expect(JSON.parse(written)).toMatchObject({ line: 0, complete: false });
      gate.open();

      // A resumed run stopped as early leaves the checkpoint as it was.
      const resumedEarly = await (await stopWhileHeld(AUTH, through(file, '--resume'))).exited;
      expect(resumedEarly).toMatchObject({
        code: 130,
        stdout: `backfill of ${file} to Heap app ${APP_ID}: stopped before anything was sent; the checkpoint ${checkpoint} is still at line 0; continue with:\n  ${command(file, '--resume')}\n`,
        stderr: 'SIGINT: stopping; nothing was sent\n',
      });
      expect(readFileSync(checkpoint, 'utf8')).toBe(written);
      gate.open();
      expect(await runCli(through(file, '--resume'), withKey)).toMatchObject({ code: 0, stderr: '' });
      expect(sandbox.stats().unique_idempotency_keys).toBe(3000);
    });

    it('reads the input as it was when the run began: lines added during the run are left for later and said so, and progress never passes 100 %', async () => {
      const file = write('events.ndjson', Array.from({ length: 5000 }, (_, i) => track(`grow-${i}`, `u-${i % 7}`)));
      const before = statSync(file).size;
      gate.close(TRACK);
      const growing = spawnThrough(through(file), { ...withKey, DATAFLY_DELIVERY_CONCURRENCY: '2', HEAP_BACKFILL_PROGRESS_MS: '0' });
      // Two batches in flight, none settled: the run is far from the end of the file.
      await waitFor(() => gate.held(TRACK) === 2, { what: 'two batches held' });
      appendFileSync(file, `${Array.from({ length: 5000 }, (_, i) => track(`added-${i}`, 'u-1')).join('\n')}\n`);
      const after = statSync(file).size;
      gate.open();
      const run = await growing.exited;
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const progress = run.stdout.split('\n').filter((line) => line.startsWith('line '));
      expect(progress.map((line) => /^line (\d+) of (\d+) \((\d+)%\)/.exec(line)!.slice(1).map(Number))).toEqual([1, 2, 3, 4, 5].map((k) => [k * 1000, 5000, k * 20]));
      expect(run.stdout).toContain(`backfill of ${file} to Heap app ${APP_ID}: complete\n`);
      expect(run.stdout.endsWith(`${file} grew during the run (from ${before} to ${after} bytes): only the 5000 lines it held when the run began were read; the lines added since were not sent; to send them, delete ${file}.checkpoint and run again (Heap deduplicates the events sent again by their messageId)\n`)).toBe(true);
      expect(sandbox.stats().unique_idempotency_keys).toBe(5000);
      expect(JSON.parse(readFileSync(`${file}.checkpoint`, 'utf8'))).toMatchObject({ offset: before, line: 5000, complete: true });
    });
  });

  it('rejects a line holding bytes that are not UTF-8, naming the field: user\\xc3 and user\\xc4 do not both reach Heap as user\\uFFFD', async () => {
    const garbled = (messageId: string, byte: number) =>
      Buffer.concat([Buffer.from(`{"type": "track", "event": "Imported", "messageId": "${messageId}", "timestamp": "${TS}", "userId": "user`), Buffer.from([byte]), Buffer.from('"}')]);
    const path = join(dir, 'events.ndjson');
    writeFileSync(path, Buffer.concat([Buffer.from(`${track('utf8-ok-1', 'u-1')}\n`), garbled('utf8-bad-1', 0xc3), Buffer.from('\n'), garbled('utf8-bad-2', 0xc4), Buffer.from(`\n${track('utf8-ok-2', 'Zürich')}\n`)]));
    const run = await runCli(args(path, '--rate-limits', 'off'), withKey);
    expect(run).toMatchObject({ code: 1, stderr: '' });
    expect(run.stdout).toMatch(/^ {2}delivered +2$/m);
    const quoted = (messageId: string) => JSON.stringify(`{"type": "track", "event": "Imported", "messageId": "${messageId}", "timestamp": "${TS}", "userId": "user\uFFFD"}`);
    expect(readFileSync(join(dir, 'events.rejects.ndjson'), 'utf8')).toBe(
      [`{"line":2,"reason":${JSON.stringify(`userId: ${NOT_UTF8_REASON}`)},"event":${quoted('utf8-bad-1')}}`, `{"line":3,"reason":${JSON.stringify(`userId: ${NOT_UTF8_REASON}`)},"event":${quoted('utf8-bad-2')}}`, ''].join('\n'),
    );
    expect(sandbox.recordedEvents().map((e) => e.identity)).toEqual(['u-1', 'Zürich']);
  });

  describe('refuses to start, in one line that says what to do', () => {
    it('without HEAP_API_KEY (exit 2), and with a key Heap does not accept (exit 1, nothing sent, no checkpoint)', async () => {
      const file = write('events.ndjson', [track('a', 'u')]);
      expect(await runCli(args(file))).toEqual({
        code: 2,
        signal: null,
        stdout: '',
        stderr: 'error: HEAP_API_KEY is not set: export the API key of the Heap account (it is read from the environment only, never from a flag)\n',
      });
      const wrong = await runCli(args(file), { HEAP_API_KEY: 'not-the-key-5c1e' });
      expect(wrong).toEqual({
        code: 1,
        signal: null,
        stdout: '',
        stderr: `error: Heap did not confirm the App ID and API key, so nothing was sent: Invalid App ID or API key: Heap answered 401 for app ${APP_ID}. Verify the App ID and API key match the correct environment in Heap settings. Heap checks an API key only with the App ID of your main production environment (not Development or another environment): copy that App ID from Settings > Account > Manage > Environment, and use an API key made under Settings > Account > Manage > API Keys.\n`,
      });
      expect(readdirSync(dir)).toEqual(['events.ndjson']);
      expect(sandbox.stats().events_accepted).toBe(0);
    });

    it('over a checkpoint without --resume, with --resume and no checkpoint, and on a changed file or another app', async () => {
      const file = write('events.ndjson', [track('a', 'u'), track('b', 'u')]);
      const checkpoint = `${file}.checkpoint`;
      const rejects = join(dir, 'events.rejects.ndjson');
      expect(await runCli(args(file, '--resume'), withKey)).toMatchObject({
        code: 2,
        stderr: `error: --resume: ${checkpoint} does not exist, so there is nothing to resume; run without --resume to start from the first line\n`,
      });
      expect((await runCli(args(file), withKey)).code).toBe(0);
      expect(await runCli(args(file), withKey)).toMatchObject({
        code: 2,
        stderr: `error: ${file} was backfilled completely to Heap app ${APP_ID} (see ${checkpoint}): delete it to send the file again (Heap deduplicates events by messageId)\n`,
      });
      const stopped = { ...JSON.parse(readFileSync(checkpoint, 'utf8')), offset: 0, line: 0, complete: false };
      writeFileSync(checkpoint, JSON.stringify(stopped));
      expect(await runCli(args(file), withKey)).toMatchObject({
        code: 2,
        stderr: `error: ${checkpoint} exists: a backfill of ${file} stopped at line 0; continue it with --resume, or delete ${checkpoint} (and ${rejects}) to start over\n`,
      });
      expect(await runCli(['backfill', file, '--app-id', '555', '--endpoint', sandbox.url, '--resume'], withKey)).toMatchObject({
        code: 2,
        stderr: `error: --resume: the checkpoint is of a backfill to Heap app ${APP_ID}, not 555; resume with --app-id ${APP_ID}, or delete ${checkpoint} (and ${rejects}) to start over\n`,
      });
      const was = statSync(file);
      writeFileSync(file, `${track('c', 'u')}\n`, { flag: 'a' });
      const now = statSync(file);
      expect(await runCli(args(file, '--resume'), withKey)).toMatchObject({
        code: 2,
        stderr: `error: --resume: ${file} is not the file the checkpoint was written for (its size was ${was.size} bytes and is ${now.size}; it was modified at ${new Date(was.mtimeMs).toISOString()} and is now at ${new Date(now.mtimeMs).toISOString()}); delete ${checkpoint} (and ${rejects}) to start over\n`,
      });
      expect(await runCli(args(file, '--dry-run', '--resume'))).toMatchObject({ code: 2, stderr: 'error: --dry-run checks the whole file from its first line: leave out --resume\n' });
    });
  });
});

/** What JSON.parse says of a text: the CLI quotes it, so the test asks the same engine. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} is JSON`);
}

import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, startNodeProcess } from '../tools/processes.js';
import { syntheticEvents } from './events.js';

/**
 * `heap-integration backfill` (the built CLI, dist/cli/main.js) of a large NDJSON file to the built
 * sandbox in another process, rate limits off on both sides: events/s and the CLI's peak RSS (the
 * goal: under 200 MB whatever the file's size, since it streams).
 */
export interface BackfillBenchOptions {
  /** Size of the generated file (default 1 GiB). */
  bytes?: number;
  /** How often the CLI's RSS is read. */
  sampleMs?: number;
}

export interface BackfillFigures {
  bytes: number;
  lines: number;
  generateSeconds: number;
  /** From spawning the CLI to its exit: start-up, credentials check, line count and the backfill. */
  wallSeconds: number;
  eventsPerSecond: number;
  delivered: number;
  filtered: number;
  rejected: number;
  /** The most RSS seen in the samples, and the kernel's own high-water mark (VmHWM) at the last sample. */
  peakRssMb: number;
  exitCode: number | null;
}

const APP_ID = '1234567890';
const API_KEY = 'bench-backfill-key';

/** The repository's synthetic traffic, streamed to `path` until it holds `bytes`: a pool of events, each line with its own messageId. */
export async function writeEventsFile(path: string, bytes: number): Promise<number> {
  // Each pooled event is serialised once around a marker, so a line is two slices and its id.
  const pool = syntheticEvents(20_000, 20261128).map((e) => JSON.stringify({ ...e, messageId: '\u0000' }).split('"\\u0000"'));
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let written = 0;
  let lines = 0;
  while (written < bytes) {
    const chunk: string[] = [];
    let size = 0;
    while (size < 1 << 20 && written + size < bytes) {
      const [before, after] = pool[lines % pool.length];
      const line = `${before}"backfill-${lines}"${after}\n`;
      chunk.push(line);
      size += Buffer.byteLength(line);
      lines++;
    }
    written += size;
    if (!out.write(chunk.join(''))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return lines;
}

function rssMb(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: 0, hwm: 0 }; // exited between samples
  }
}

/** A number of the CLI's summary table (`  delivered  812345`). */
function figure(summary: string, label: string): number {
  return Number(new RegExp(`^ {2}${label} +(\\d+)`, 'm').exec(summary)?.[1] ?? NaN);
}

export async function benchBackfill(options: BackfillBenchOptions = {}): Promise<BackfillFigures> {
  const { bytes = 1 << 30, sampleMs = 100 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'heap-backfill-bench-'));
  const file = join(dir, 'events.ndjson');
  const port = await freePort();
  const sandbox = await startNodeProcess(
    ['dist/sandbox/cli.js', '--port', String(port), '--no-limits', '--max-recorded', '0', '--max-raw-body-bytes', '0'],
    { HEAP_SANDBOX_APP_ID: APP_ID, HEAP_SANDBOX_API_KEY: API_KEY },
    `http://127.0.0.1:${port}`,
    '/__sandbox/stats',
  );
  try {
    const generating = performance.now();
    const lines = await writeEventsFile(file, bytes);
    const generateSeconds = (performance.now() - generating) / 1000;

    const started = performance.now();
    const cli = spawn(process.execPath, ['dist/cli/main.js', 'backfill', file, '--app-id', APP_ID, '--endpoint', sandbox.url, '--rate-limits', 'off'], {
      env: { ...process.env, HEAP_API_KEY: API_KEY, HEAP_BACKFILL_PROGRESS_MS: '15000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    cli.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    let peak = 0;
    const sampler = setInterval(() => {
      const { rss, hwm } = rssMb(cli.pid!);
      peak = Math.max(peak, rss, hwm);
    }, sampleMs);
    const [exitCode] = (await once(cli, 'close')) as [number | null];
    clearInterval(sampler);
    const wallSeconds = (performance.now() - started) / 1000;
    const delivered = figure(output, 'delivered');
    return {
      bytes: statSync(file).size,
      lines,
      generateSeconds,
      wallSeconds,
      eventsPerSecond: figure(output, 'read') / wallSeconds,
      delivered,
      filtered: figure(output, 'filtered'),
      rejected: figure(output, 'rejected'),
      peakRssMb: peak,
      exitCode,
    };
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone: `npm run build && node --import tsx bench/backfill.ts [GiB]`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const gib = Number(process.argv[2] ?? 1) || 1;
  const r = await benchBackfill({ bytes: Math.round(gib * (1 << 30)) });
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  console.log('| benchmark | figure | value |');
  console.log('| --- | --- | --- |');
  console.log(`| backfill → sandbox | file | ${fmt(r.bytes / 2 ** 20)} MiB, ${fmt(r.lines)} lines (generated in ${fmt(r.generateSeconds, 1)} s) |`);
  console.log(`| backfill → sandbox | delivered / filtered / rejected | ${fmt(r.delivered)} / ${fmt(r.filtered)} / ${fmt(r.rejected)} (exit ${r.exitCode}) |`);
  console.log(`| backfill → sandbox | events/s (wall, start-up to exit) | ${fmt(r.eventsPerSecond)} (${fmt(r.wallSeconds, 1)} s) |`);
  console.log(`| backfill → sandbox | CLI peak RSS (MB, goal < 200) | ${fmt(r.peakRssMb)} |`);
}

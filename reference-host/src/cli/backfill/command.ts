import { existsSync, statSync, type Stats } from 'node:fs';
import type { DeliveryAdapter } from '@datafly/heap-integration/contract';
import type { HeapConfig } from '@datafly/heap-integration';
import { errorText } from '../../common/error-text.js';
import { RetryPolicy } from '../../common/retry-policy.js';
import { EXIT, RunFailure, UsageError } from '../failures.js';
import { heap, heapAdapter, heapConfig, PLACEHOLDER_APP_ID, readBlueprint } from '../installation.js';
import { batchesOf } from './batches.js';
import { ensureOwn } from './beside.js';
import { checkpointPath, checkpointTemporaryPath, inputIdentity, type Checkpoint } from './checkpoint.js';
import { PrefixDigest } from './digest.js';
import { Ledger } from './ledger.js';
import { readLines, type Position } from './lines.js';
import { heapKeeper } from './memory.js';
import { ensurePacingOwn, openPacing, pacingPath } from './pacing.js';
import { startProgress, type Progress } from './progress.js';
import { RejectsFile, rejectsPath } from './rejects.js';
import { startingPoint, verifyCheckpoint } from './resume.js';
import { runBatches, type RunEnd } from './run.js';
import { previewBatch, sendBatch, type Pacing } from './send.js';
import { backfillSettings, type BackfillSettings } from './settings.js';
import { onStopSignals, StoppedEarly, unlessStopped } from './signals.js';
import { stoppedEarly, summary } from './summary.js';
import { surveyInput, type Survey } from './survey.js';

export interface BackfillOptions {
  /** Required unless dryRun. */
  appId?: string;
  endpoint?: string;
  region: string;
  blueprint?: string;
  resume?: boolean;
  dryRun?: boolean;
  rateLimits: 'on' | 'off';
}

/** Which option a config field came from, for the one line that names it. */
const OPTION_OF: Record<string, string> = { app_id: '--app-id', region: '--region', endpoint: '--endpoint', api_key: 'HEAP_API_KEY' };

/** Everything checked and opened before the run begins sending. */
interface Prepared {
  file: string;
  dryRun: boolean;
  settings: BackfillSettings;
  config: HeapConfig;
  adapter: DeliveryAdapter;
  paths: { checkpoint: string; rejects: string; pacing: string };
  input: Stats;
  earlier?: Checkpoint;
  survey: Survey;
  start: Position;
  rateLimits: 'on' | 'off';
}

/** What a stop signal says, as things stand when it comes. */
interface Standing {
  file: string;
  appId: string;
  dryRun: boolean;
  checkpointPath: string;
  /** The command that continues (with --resume), or starts again when nothing was recorded. */
  resumeCommand: string;
  startCommand: string;
  earlier?: Checkpoint;
  /** Set once the run begins: a stop then finishes what is in flight. */
  ledger?: Ledger;
  running: boolean;
}

/**
 * `heap-integration backfill`: checks what it was given (refusing in one line), verifies the App ID
 * and API key with Heap, then streams the file through the backfill loop and prints the summary.
 * Answers the exit code. A stop signal before the run begins sending ends it at once, saying so.
 */
export async function runBackfill(file: string, options: BackfillOptions, argv: readonly string[]): Promise<number> {
  const dryRun = options.dryRun === true;
  const standing: Standing = {
    file,
    appId: options.appId ?? PLACEHOLDER_APP_ID,
    dryRun,
    checkpointPath: checkpointPath(file),
    resumeCommand: commandLine(argv, true),
    startCommand: commandLine(argv, false),
    running: false,
  };
  const stop = onStopSignals(process.stderr, (name, again) => stopNotice(standing, name, again));
  const cleanup: (() => unknown)[] = [() => stop.dispose()];
  try {
    const prepared = await prepare(file, options, stop.signal, cleanup, standing);
    standing.running = true;
    return await execute(prepared, stop.signal, cleanup, standing);
  } catch (error) {
    if (!(error instanceof StoppedEarly)) throw error;
    const line = standing.earlier?.line;
    process.stdout.write(stoppedEarly({ ...standing, line, resumeCommand: line === undefined ? standing.startCommand : standing.resumeCommand }));
    return EXIT.interrupted;
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

/** Checks the options, the files beside the input, the checkpoint against the input, and the credentials with Heap. Sends nothing. */
async function prepare(file: string, options: BackfillOptions, stop: AbortSignal, cleanup: (() => unknown)[], standing: Standing): Promise<Prepared> {
  const settings = backfillSettings(process.env);
  const dryRun = options.dryRun === true;
  // A dry run sends nothing, so it needs no app: the placeholder stands in, as in preview.
  if (!dryRun && options.appId === undefined) throw new UsageError("required option '--app-id <id>' not specified");
  if (dryRun && options.resume) throw new UsageError('--dry-run checks the whole file from its first line: leave out --resume');
  const input = inputStats(file);
  const apiKey = process.env.HEAP_API_KEY?.trim() || undefined;
  if (!dryRun && apiKey === undefined) throw new UsageError('HEAP_API_KEY is not set: export the API key of the Heap account (it is read from the environment only, never from a flag)');
  const config = heapConfig({ app_id: options.appId ?? PLACEHOLDER_APP_ID, region: options.region, endpoint: options.endpoint }, apiKey, (field) => OPTION_OF[field] ?? field);
  const blueprint = readBlueprint(options.blueprint);
  const paths = { checkpoint: standing.checkpointPath, rejects: rejectsPath(file), pacing: pacingPath(file) };
  if (!dryRun) ensureFilesOwn(paths, options.rateLimits === 'on');
  const facts = { file, checkpointPath: paths.checkpoint, rejectsPath: paths.rejects };
  const earlier = dryRun ? undefined : startingPoint({ ...facts, resume: options.resume === true, input, appId: config.app_id });
  standing.earlier = earlier;
  const survey = await unlessStopped(stop, surveyInput(file, input.size, earlier?.offset ?? 0));
  if (earlier) verifyCheckpoint(facts, earlier, survey);

  const adapter = heapAdapter(config, blueprint);
  cleanup.push(() => adapter.close());
  if (!dryRun) {
    // Heap takes events for any app_id silently: a mistyped one would swallow the whole file.
    const check = await unlessStopped(stop, adapter.testConnection());
    if (!check.ok) throw new RunFailure(`Heap did not confirm the App ID and API key, so nothing was sent: ${check.message}`);
  }
  if (stop.aborted) throw new StoppedEarly();
  const start: Position = earlier ? { offset: earlier.offset, line: earlier.line } : { offset: 0, line: 0 };
  return { file, dryRun, settings, config, adapter, paths, input, earlier, survey, start, rateLimits: options.rateLimits };
}

/** Streams the file through the backfill loop from the starting point, writes the checkpoint, prints the summary. */
async function execute(p: Prepared, stop: AbortSignal, cleanup: (() => unknown)[], standing: Standing): Promise<number> {
  const { file, dryRun, settings, paths, earlier, start } = p;
  if (!dryRun && !earlier && existsSync(paths.rejects)) process.stderr.write(`replacing ${paths.rejects}, left by an earlier run\n`);
  const rejects = dryRun ? undefined : RejectsFile.open(paths.rejects, earlier?.rejects_bytes ?? 0);
  if (rejects) cleanup.push(() => rejects.close());
  if (earlier && rejects && rejects.bytes < earlier.rejects_bytes) process.stderr.write(`${paths.rejects} is shorter than the checkpoint recorded: rejects of the earlier run are missing from it\n`);
  const pacing = !dryRun && p.rateLimits === 'on' ? await openPacing(p.adapter, settings.rateLimitScale, settings.holdMaxMs, paths.pacing) : undefined;
  let finished = false;
  if (pacing) cleanup.push(() => pacing.close(finished));

  const clock = Date.now;
  const digest = dryRun ? undefined : new PrefixDigest(p.survey.hash, start.offset);
  const startDigest = digest ? digest.before(start.offset) : '';
  const ledger = new Ledger({ files: rejects && { checkpoint: paths.checkpoint, rejects }, earlier, input: inputIdentity(p.input), appId: p.config.app_id, start, startDigest, clock });
  standing.ledger = ledger;
  // The run has begun: from now on a start without --resume is refused.
  ledger.write(false);
  const totalLines = p.survey.totalLines;
  const progress = startProgress({ out: process.stdout, tty: process.stdout.isTTY === true, totalLines, startLine: start.line, intervalMs: settings.progressIntervalMs, dryRun, clock });
  const end = await sendAll(p, { ledger, progress, pacing, digest }, stop);
  ledger.write(end.kind === 'complete');
  finished = end.kind === 'complete';
  progress.finish(ledger.position.line, ledger.allRuns, ledger.thisRun);
  process.stdout.write(
    summary({
      file,
      appId: p.config.app_id,
      dryRun,
      end,
      line: ledger.position.line,
      totalLines,
      thisRun: ledger.thisRun,
      allRuns: earlier ? ledger.allRuns : undefined,
      rejectsPath: paths.rejects,
      checkpointPath: paths.checkpoint,
      filled: ledger.filled,
      resumeCommand: standing.resumeCommand,
      sampleRejects: ledger.sample,
      input: { before: inputIdentity(p.input), after: inputNow(file) },
    }),
  );
  if (end.kind === 'interrupted') return EXIT.interrupted;
  if (end.kind === 'fatal') return EXIT.failed;
  return ledger.allRuns.rejected > 0 ? EXIT.failed : EXIT.ok;
}

/** The backfill loop over the file's lines from the starting point, to the size the input had at the start. */
async function sendAll(p: Prepared, run: { ledger: Ledger; progress: Progress; pacing?: Pacing; digest?: PrefixDigest }, stop: AbortSignal): Promise<RunEnd> {
  const { settings, adapter, dryRun, start } = p;
  const { ledger, progress, pacing, digest } = run;
  const retry = new RetryPolicy(settings.retryScheduleMs, Math.random, settings.retryAfterCapMs);
  const keepHeapSmall = heapKeeper();
  const lines = readLines(p.file, start, { maxLineBytes: settings.maxLineBytes, end: p.input.size, digest });
  try {
    return await runBatches({
      batches: batchesOf(lines, start, { maxLines: heap.manifest.batching.max_events, maxBytes: heap.manifest.batching.max_bytes, maxLineBytes: settings.maxLineBytes }, digest),
      send: dryRun
        ? async (batch) => previewBatch(adapter, batch.events)
        : (batch, signal) => sendBatch(batch.events, { adapter, pacing, retry, stop: signal, clock: Date.now, notice: (text) => progress.notice(text) }),
      commit: (batch, outcome) => {
        ledger.settle(batch, outcome);
        progress.update(ledger.position.line, ledger.allRuns, ledger.thisRun);
        keepHeapSmall();
      },
      concurrency: dryRun ? 1 : settings.concurrency,
      interrupt: stop,
    });
  } catch (error) {
    throw new RunFailure(`the backfill stopped at line ${ledger.position.line}: ${errorText(error)}`);
  }
}

/** The first notice says what happens now; the second, that the run ends at once, and how to go on. */
function stopNotice(s: Standing, name: NodeJS.Signals, again: boolean): string {
  if (!again) {
    if (!s.running) return `${name}: stopping; nothing was sent`;
    return `${name}: finishing the batches in flight, then writing the checkpoint (${name} again stops at once)`;
  }
  if (s.dryRun) return `${name} again: stopping now`;
  const line = s.ledger?.recorded?.line ?? s.earlier?.line;
  if (line === undefined) return `${name} again: stopping now; nothing was sent, so there is nothing to resume; start again with:\n  ${s.startCommand}`;
  return `${name} again: stopping now; the checkpoint ${s.checkpointPath} is at line ${line} (the last settled batch); continue with:\n  ${s.resumeCommand}`;
}

/** Refuses links and special files where the run keeps its own, before anything is written (beside.ts). */
function ensureFilesOwn(paths: Prepared['paths'], pacing: boolean): void {
  ensureOwn(paths.checkpoint, 'checkpoint');
  ensureOwn(checkpointTemporaryPath(paths.checkpoint), "checkpoint's temporary file");
  ensureOwn(paths.rejects, 'rejects file');
  if (pacing) ensurePacingOwn(paths.pacing);
}

function inputStats(file: string): Stats {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new UsageError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? errorText(error)})`);
  }
  if (!stats.isFile()) throw new UsageError(`${file} is not a file`);
  return stats;
}

/** The input's identity now, to tell whether it changed while it was read; undefined when it is gone. */
function inputNow(file: string): Checkpoint['input'] | undefined {
  try {
    return inputIdentity(statSync(file));
  } catch {
    return undefined;
  }
}

/** The command as it was given, with --resume (what continues the run) or without (what starts it again). */
function commandLine(argv: readonly string[], resume: boolean): string {
  const args = !resume ? argv.filter((arg) => arg !== '--resume') : argv.includes('--resume') ? argv : [...argv, '--resume'];
  return ['heap-integration', ...args].map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

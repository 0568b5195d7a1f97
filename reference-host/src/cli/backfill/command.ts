import { existsSync, statSync, type Stats } from 'node:fs';
import { RetryPolicy } from '../../shared/retry-policy.js';
import { errorText } from '../../shared/error-text.js';
import { EXIT, RunFailure, UsageError } from '../failures.js';
import { heap, heapAdapter, heapConfig, PLACEHOLDER_APP_ID, readBlueprint } from '../installation.js';
import { batchesOf } from './batches.js';
import { checkpointPath, inputIdentity } from './checkpoint.js';
import { Ledger } from './ledger.js';
import { countLines, readLines, type Position } from './lines.js';
import { heapKeeper } from './memory.js';
import { openPacing, pacingPath } from './pacing.js';
import { startProgress } from './progress.js';
import { RejectsFile, rejectsPath } from './rejects.js';
import { startingPoint } from './resume.js';
import { runBatches, type RunEnd } from './run.js';
import { previewBatch, sendBatch } from './send.js';
import { backfillSettings } from './settings.js';
import { onStopSignals } from './signals.js';
import { summary } from './summary.js';

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

/**
 * `heap-integration backfill`: checks what it was given (refusing in one line), verifies the App ID
 * and API key with Heap, then streams the file through the backfill loop and prints the summary.
 * Answers the exit code.
 */
export async function runBackfill(file: string, options: BackfillOptions, argv: readonly string[]): Promise<number> {
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
  const paths = { checkpoint: checkpointPath(file), rejects: rejectsPath(file), pacing: pacingPath(file) };
  const earlier = dryRun ? undefined : startingPoint({ file, checkpointPath: paths.checkpoint, rejectsPath: paths.rejects, resume: options.resume === true, input, appId: config.app_id });

  const adapter = heapAdapter(config, blueprint);
  const cleanup: (() => unknown)[] = [() => adapter.close()];
  try {
    if (!dryRun) {
      // Heap takes events for any app_id silently: a mistyped one would swallow the whole file.
      const check = await adapter.testConnection();
      if (!check.ok) throw new RunFailure(`Heap did not confirm the App ID and API key, so nothing was sent: ${check.message}`);
    }
    const totalLines = await countLines(file);
    const start: Position = earlier ? { offset: earlier.offset, line: earlier.line } : { offset: 0, line: 0 };
    if (!dryRun && !earlier && existsSync(paths.rejects)) process.stderr.write(`replacing ${paths.rejects}, left by an earlier run\n`);
    const rejects = dryRun ? undefined : RejectsFile.open(paths.rejects, earlier?.rejects_bytes ?? 0);
    if (rejects) cleanup.push(() => rejects.close());
    if (earlier && rejects && rejects.bytes < earlier.rejects_bytes) process.stderr.write(`${paths.rejects} is shorter than the checkpoint recorded: rejects of the earlier run are missing from it\n`);
    const pacing = !dryRun && options.rateLimits === 'on' ? await openPacing(adapter, settings.rateLimitScale, settings.holdMaxMs, paths.pacing) : undefined;
    let finished = false;
    if (pacing) cleanup.push(() => pacing.close(finished));
    const stop = onStopSignals(process.stderr);
    cleanup.push(() => stop.dispose());

    const clock = Date.now;
    const ledger = new Ledger({ files: rejects && { checkpoint: paths.checkpoint, rejects }, earlier, input: inputIdentity(input), appId: config.app_id, start, clock });
    // The run has begun: from now on a start without --resume is refused.
    ledger.write(false);
    const progress = startProgress({ out: process.stdout, tty: process.stdout.isTTY === true, totalLines, startLine: start.line, intervalMs: settings.progressIntervalMs, dryRun, clock });
    const retry = new RetryPolicy(settings.retryScheduleMs, Math.random, settings.retryAfterCapMs);
    const keepHeapSmall = heapKeeper();

    let end: RunEnd;
    try {
      end = await runBatches({
        batches: batchesOf(readLines(file, start, settings.maxLineBytes), start, {
          maxLines: heap.manifest.batching.max_events,
          maxBytes: heap.manifest.batching.max_bytes,
          maxLineBytes: settings.maxLineBytes,
        }),
        send: dryRun
          ? async (batch) => previewBatch(adapter, batch.events)
          : (batch, signal) => sendBatch(batch.events, { adapter, pacing, retry, stop: signal, clock, notice: (text) => progress.notice(text) }),
        commit: (batch, outcome) => {
          ledger.settle(batch, outcome);
          progress.update(ledger.position.line, ledger.allRuns, ledger.thisRun);
          keepHeapSmall();
        },
        concurrency: dryRun ? 1 : settings.concurrency,
        interrupt: stop.signal,
      });
    } catch (error) {
      throw new RunFailure(`the backfill stopped at line ${ledger.position.line}: ${errorText(error)}`);
    }
    ledger.write(end.kind === 'complete');
    finished = end.kind === 'complete';
    progress.finish(ledger.position.line, ledger.allRuns, ledger.thisRun);
    process.stdout.write(
      summary({
        file,
        appId: config.app_id,
        dryRun,
        end,
        line: ledger.position.line,
        totalLines,
        thisRun: ledger.thisRun,
        allRuns: earlier ? ledger.allRuns : undefined,
        rejectsPath: paths.rejects,
        checkpointPath: paths.checkpoint,
        filled: ledger.filled,
        resumeCommand: resumeCommand(argv),
        sampleRejects: ledger.sample,
      }),
    );
    if (end.kind === 'interrupted') return EXIT.interrupted;
    if (end.kind === 'fatal') return EXIT.failed;
    return ledger.allRuns.rejected > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
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

/** The command as it was given, with --resume: what continues the run. */
function resumeCommand(argv: readonly string[]): string {
  const args = argv.includes('--resume') ? [...argv] : [...argv, '--resume'];
  return ['heap-integration', ...args].map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

import type { Checkpoint } from './checkpoint.js';
import type { Counters } from './counters.js';
import { rejectRecord, type Reject } from './rejects.js';
import type { RunEnd } from './run.js';

export interface SummaryFacts {
  file: string;
  appId: string;
  dryRun: boolean;
  end: RunEnd;
  /** The line the checkpoint stands at. */
  line: number;
  totalLines: number;
  thisRun: Counters;
  /** Every run on this file; undefined when this run is the first. */
  allRuns?: Counters;
  rejectsPath: string;
  checkpointPath: string;
  filled: { messageId: number; timestamp: number };
  /** How to continue, when the run did not finish. */
  resumeCommand: string;
  /** A dry run's first rejects (it writes no file). */
  sampleRejects: Reject[];
  /** The input as the run began, and as it is at the end. */
  input: { before: Checkpoint['input']; after?: Checkpoint['input'] };
}

/** How many rejects a dry run quotes. */
export const DRY_RUN_SAMPLE = 10;

/** The table at the end of a run (read, delivered, filtered, rejected, retried, seconds), and what to do next. */
export function summary(f: SummaryFacts): string {
  const out = [headline(f)];
  const rows: [string, (c: Counters) => string][] = [
    ['read', (c) => String(c.read)],
    [f.dryRun ? 'to send' : 'delivered', (c) => String(c.delivered)],
    ['filtered', (c) => String(c.filtered)],
    ['rejected', (c) => String(c.rejected)],
    ...(f.dryRun ? [] : [['retried', (c: Counters) => String(c.retried)] as [string, (c: Counters) => string]]),
    ['seconds', (c) => c.seconds.toFixed(1)],
  ];
  const columns = f.allRuns ? [f.thisRun, f.allRuns] : [f.thisRun];
  const headers = f.allRuns ? ['this run', 'all runs'] : [''];
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const widths = columns.map((c, i) => Math.max(headers[i].length, ...rows.map(([, value]) => value(c).length)));
  const line = (label: string, cells: string[]) => `  ${label.padEnd(labelWidth)}  ${cells.map((cell, i) => cell.padStart(widths[i])).join('  ')}`.trimEnd();
  if (f.allRuns) out.push(line('', headers));
  for (const [label, value] of rows) out.push(line(label, columns.map(value)));

  const totals = f.allRuns ?? f.thisRun;
  if (f.filled.messageId > 0) out.push(`${events(f.filled.messageId)} had no messageId: each got one derived from its line number and text, the same on every run, so a resent line is deduplicated by Heap`);
  if (f.filled.timestamp > 0) out.push(`${events(f.filled.timestamp)} had no timestamp: each was stamped with the time it was read, as ingestion stamps the time it accepts an event`);
  if (f.dryRun) {
    if (f.sampleRejects.length > 0) {
      out.push(`lines that would be rejected${totals.rejected > f.sampleRejects.length ? ` (the first ${f.sampleRejects.length} of ${totals.rejected})` : ''}:`);
      for (const reject of f.sampleRejects) out.push(`  ${rejectRecord(reject).trimEnd()}`);
    }
  } else if (totals.rejected > 0) {
    out.push(`rejected lines are in ${f.rejectsPath}`);
  }
  const changed = inputChange(f);
  if (changed !== undefined) out.push(changed);
  // A changed input is refused by --resume: the note above says how to go on instead.
  else if (f.end.kind !== 'complete' && !f.dryRun) out.push(`the checkpoint ${f.checkpointPath} is at line ${f.line}; continue with:`, `  ${f.resumeCommand}`);
  return `${out.join('\n')}\n`;
}

/** Said when the input changed while it was read: the run read the bytes it had at the start, no more. */
function inputChange(f: SummaryFacts): string | undefined {
  const { before, after } = f.input;
  if (after === undefined || (after.size === before.size && after.mtime_ms === before.mtime_ms)) return undefined;
  const grew = after.size > before.size;
  const what = grew
    ? `${f.file} grew during the run (from ${before.size} to ${after.size} bytes): only the ${f.totalLines} lines it held when the run began were read; the lines added since were not sent`
    : `${f.file} was modified during the run: the lines read may mix its old and new content`;
  if (f.dryRun) return what;
  const again = `delete ${f.checkpointPath} and run again (Heap deduplicates the events sent again by their messageId)`;
  if (f.end.kind !== 'complete') return `${what}; --resume refuses a file whose size or modification time changed: ${again}`;
  return `${what}; to send ${grew ? 'them' : 'the file as it is now'}, ${again}`;
}

/** What a run stopped before it sent anything says: where things stand, and how to go on. */
export function stoppedEarly(f: Pick<SummaryFacts, 'file' | 'appId' | 'dryRun' | 'checkpointPath' | 'resumeCommand'> & { line?: number }): string {
  if (f.dryRun) return `dry run of ${f.file} for Heap app ${f.appId}: stopped before it was done\n`;
  const what = `backfill of ${f.file} to Heap app ${f.appId}: stopped before anything was sent`;
  if (f.line === undefined) return `${what}, so there is nothing to resume; start again with:\n  ${f.resumeCommand}\n`;
  return `${what}; the checkpoint ${f.checkpointPath} is still at line ${f.line}; continue with:\n  ${f.resumeCommand}\n`;
}

function headline(f: SummaryFacts): string {
  const what = f.dryRun ? `dry run of ${f.file} for Heap app ${f.appId}` : `backfill of ${f.file} to Heap app ${f.appId}`;
  switch (f.end.kind) {
    case 'complete':
      return `${what}: ${f.dryRun ? 'nothing was sent' : 'complete'}`;
    case 'interrupted':
      return `${what}: interrupted at line ${f.line} of ${f.totalLines}`;
    case 'fatal':
      return `${what}: stopped at line ${f.line} of ${f.totalLines}: ${f.end.message}`;
  }
}

function events(n: number): string {
  return `${n} ${n === 1 ? 'event' : 'events'}`;
}

import cliProgress from 'cli-progress';
import type { Counters } from './counters.js';

/** How far a run has come, shown as it goes. */
export interface Progress {
  /** After each settled batch: the line reached, the counters of every run and of this one. */
  update(line: number, totals: Counters, thisRun: Counters): void;
  /** Something the person running it should know now (a wait for a retry). */
  notice(text: string): void;
  /** The last update, always shown. */
  finish(line: number, totals: Counters, thisRun: Counters): void;
}

export interface ProgressOptions {
  out: NodeJS.WriteStream;
  /** A terminal gets a bar that redraws; anything else gets plain lines. */
  tty: boolean;
  totalLines: number;
  startLine: number;
  /** Plain lines at most this often (the last one always). */
  intervalMs: number;
  dryRun: boolean;
  clock: () => number;
}

export function startProgress(o: ProgressOptions): Progress {
  return o.tty ? new ProgressBar(o) : new ProgressLines(o);
}

/** How far back the ETA looks: Heap's limits refill over a minute, so a minute shows the paced rate, not the first burst. */
const ETA_WINDOW_MS = 60_000;

/**
 * Events per second over this run (an earlier run's pace says nothing of this one's), and seconds
 * left at the pace of the last minute.
 */
class Pace {
  private readonly started: number;
  private samples: { at: number; line: number }[] = [];

  constructor(private readonly o: ProgressOptions) {
    this.started = o.clock();
    this.samples.push({ at: this.started, line: o.startLine });
  }

  at(line: number, thisRun: Counters): { rate: number; eta: number | undefined } {
    const now = this.o.clock();
    this.samples.push({ at: now, line });
    while (this.samples.length > 2 && now - this.samples[1].at >= ETA_WINDOW_MS) this.samples.shift();
    const oldest = this.samples[0];
    const linesPerMs = now > oldest.at ? (line - oldest.line) / (now - oldest.at) : 0;
    const left = this.o.totalLines - line;
    return {
      rate: Math.round(thisRun.read / Math.max((now - this.started) / 1000, 0.001)),
      eta: left <= 0 ? 0 : linesPerMs > 0 ? Math.ceil(left / linesPerMs / 1000) : undefined,
    };
  }
}

/** `line 2000 of 5000 (40%): 1990 delivered, 5 filtered, 5 rejected, 0 retried; 812 events/s, ETA 4 s` */
export function progressLine(o: Pick<ProgressOptions, 'totalLines' | 'dryRun'>, line: number, totals: Counters, rate: number, eta: number | undefined): string {
  const percent = o.totalLines === 0 ? 100 : Math.floor((line / o.totalLines) * 100);
  const counts = o.dryRun
    ? `${totals.delivered} to send, ${totals.filtered} filtered, ${totals.rejected} rejected`
    : `${totals.delivered} delivered, ${totals.filtered} filtered, ${totals.rejected} rejected, ${totals.retried} retried`;
  return `line ${line} of ${o.totalLines} (${percent}%): ${counts}; ${rate} events/s, ETA ${eta === undefined ? '?' : `${eta} s`}`;
}

class ProgressLines implements Progress {
  private readonly pace: Pace;
  private lastAt: number;
  private lastLine = -1;

  constructor(private readonly o: ProgressOptions) {
    this.pace = new Pace(o);
    this.lastAt = o.clock();
  }

  update(line: number, totals: Counters, thisRun: Counters): void {
    if (this.o.clock() - this.lastAt < this.o.intervalMs) return;
    this.print(line, totals, thisRun);
  }

  notice(text: string): void {
    this.o.out.write(`${text}\n`);
  }

  finish(line: number, totals: Counters, thisRun: Counters): void {
    if (line !== this.lastLine) this.print(line, totals, thisRun);
  }

  private print(line: number, totals: Counters, thisRun: Counters): void {
    const { rate, eta } = this.pace.at(line, thisRun);
    this.o.out.write(`${progressLine(this.o, line, totals, rate, eta)}\n`);
    this.lastAt = this.o.clock();
    this.lastLine = line;
  }
}

class ProgressBar implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly pace: Pace;

  constructor(o: ProgressOptions) {
    this.pace = new Pace(o);
    const counts = o.dryRun ? '{delivered} to send, {filtered} filtered, {rejected} rejected' : '{delivered} delivered, {filtered} filtered, {rejected} rejected';
    this.bar = new cliProgress.SingleBar(
      { format: `{bar} {percentage}% | {value}/{total} lines | ${counts} | {rate} events/s | ETA {left} {note}`, stream: o.out, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(o.totalLines, o.startLine, { delivered: 0, filtered: 0, rejected: 0, rate: 0, left: '?', note: '' });
  }

  update(line: number, totals: Counters, thisRun: Counters): void {
    const { rate, eta } = this.pace.at(line, thisRun);
    this.bar.update(line, { delivered: totals.delivered, filtered: totals.filtered, rejected: totals.rejected, rate, left: eta === undefined ? '?' : `${eta} s`, note: '' });
  }

  notice(text: string): void {
    this.bar.update({ note: `| ${text}` });
  }

  finish(line: number, totals: Counters, thisRun: Counters): void {
    this.update(line, totals, thisRun);
    this.bar.stop();
  }
}

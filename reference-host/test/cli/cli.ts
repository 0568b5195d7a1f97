import { spawn, type ChildProcess } from 'node:child_process';
import { stopAfterFile } from '../helpers/leftovers.js';
import { builtPath } from '../helpers/paths.js';

/** How a run of the CLI ended, and everything it printed. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still running: its child, what it printed so far, and its end. */
export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<CliRun>;
}

/**
 * Variables of the runner's environment the CLI reads: left out, so a test says every one it means.
 * (HEAP_API_KEY above all: a test that forgets it must see the refusal.)
 */
const READ_BY_THE_CLI = /^(HEAP_|DATAFLY_)/;

/** `heap-integration <args>` as a child process (the built dist/cli/main.js, as the installed command runs it), with piped stdio (not a TTY). */
export function spawnCli(args: string[], env: Record<string, string> = {}, input?: string): RunningCli {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !READ_BY_THE_CLI.test(k)));
  const child = spawn(process.execPath, [builtPath('dist/cli/main.js'), ...args], { env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin!.end(input);
  const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
  const exited = new Promise<CliRun>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout: text(out), stderr: text(err) })));
  // Killed after the file if a failing test left it running.
  stopAfterFile(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, stdout: () => text(out), stderr: () => text(err), exited };
}

export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliRun> {
  return spawnCli(args, env, input).exited;
}

/** Rates, ETAs and durations vary run to run: the rest of the output is compared exactly. */
export function withoutTimings(text: string): string {
  return text
    .replace(/; \d+ events\/s, ETA (\d+ s|\?)/g, '; <rate>')
    .replace(/^( {2}seconds +)([\d. ]+)$/m, (_, label: string, cells: string) => label + cells.replace(/\d+\.\d/g, (n) => 'N'.padStart(n.length)));
}

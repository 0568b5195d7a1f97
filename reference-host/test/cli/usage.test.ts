import { describe, expect, it } from '@jest/globals';
import { runCli } from './cli.js';

/** The command line itself: help on every command, and a bad option or value is one line and exit 2, never a stack. */
describe('heap-integration command line', () => {
  it('--help on every command names every option, the API key variable, the files and the exit codes', async () => {
    const runs = await Promise.all([runCli(['--help']), runCli(['preview', '--help']), runCli(['backfill', '--help'])]);
    // Commander wraps descriptions to the terminal's width: compare words, not line breaks.
    const [top, preview, backfill] = runs.map((run) => ({ ...run, stdout: run.stdout.replace(/\s+/g, ' ') }));
    for (const run of [top, preview, backfill]) expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(top.stdout.startsWith('Usage: heap-integration [options] [command] ')).toBe(true);
    for (const command of ['preview [options] [file]', 'backfill [options] <events.ndjson>']) expect(top.stdout).toContain(command);
    for (const option of ['--blueprint <file.json>', '--config <config.json>', '--json', '-h, --help']) expect(preview.stdout).toContain(option);
    for (const option of ['--app-id <id>', '--endpoint <url>', '--region <region>', '--blueprint <file.json>', '--resume', '--dry-run', '--rate-limits <mode>', '-h, --help', 'HEAP_API_KEY', 'DATAFLY_RETRY_SCHEDULE_MS', 'HEAP_BACKFILL_PROGRESS_MS', '.checkpoint', '.rejects.ndjson']) {
      expect(backfill.stdout).toContain(option);
    }
    expect(backfill.stdout).toContain('(choices: "us", "eu", default: "us")');
    expect(backfill.stdout).toContain('(choices: "on", "off", default: "on")');
    for (const run of [top, preview, backfill]) expect(run.stdout).toContain(' Exit codes: 0 every event went');
  });

  it.each([
    [['backfill', 'events.ndjson', '--app-id', '1234567890', '--resum'], "error: unknown option '--resum' (Did you mean --resume?)"],
    [['backfill', 'events.ndjson', '--app-id', 'abc'], "error: option '--app-id <id>' argument 'abc' is invalid. It must be the numeric App ID of a Heap environment."],
    [['backfill', 'events.ndjson', '--app-id', '1', '--region', 'mars'], "error: option '--region <region>' argument 'mars' is invalid. Allowed choices are us, eu."],
    [['backfill', 'events.ndjson', '--app-id', '1', '--rate-limits', 'maybe'], "error: option '--rate-limits <mode>' argument 'maybe' is invalid. Allowed choices are on, off."],
    [['backfill', 'events.ndjson', '--app-id', '1', '--endpoint', 'http://heap.example.com'], "error: option '--endpoint <url>' argument 'http://heap.example.com' is invalid. It must use https (http is allowed only for loopback addresses)."],
    [['backfill', 'events.ndjson'], "error: required option '--app-id <id>' not specified"],
    [['backfill', '--app-id', '1'], "error: missing required argument 'events.ndjson'"],
    [['backfill', 'no-such-file.ndjson', '--app-id', '1'], 'error: no-such-file.ndjson: cannot be read (ENOENT)'],
    [['preview', '--jsn'], "error: unknown option '--jsn' (Did you mean --json?)"],
    [['preview', 'a.json', 'b.json'], "error: too many arguments for 'preview'. Expected 1 argument but got 2."],
    [['frobnicate'], "error: unknown command 'frobnicate'"],
  ])('%j → one line, exit 2', async (args, line) => {
    expect(await runCli(args)).toEqual({ code: 2, signal: null, stdout: '', stderr: `${line}\n` });
  });

  it('refuses a malformed host setting it shares with the host, naming the variable', async () => {
    expect(await runCli(['backfill', 'events.ndjson', '--app-id', '1'], { DATAFLY_RETRY_SCHEDULE_MS: 'soon' })).toEqual({
      code: 2,
      signal: null,
      stdout: '',
      stderr: 'error: DATAFLY_RETRY_SCHEDULE_MS="soon": must be comma-separated milliseconds, e.g. 60000,600000,7200000,75600000\n',
    });
  });

  it('without a command, shows the help on stderr and exits 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Usage: heap-integration \[options\] \[command\]/);
  });
});

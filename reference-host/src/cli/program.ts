import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { HEAP_HOSTS } from '@datafly/heap-integration';
import { runBackfill } from './backfill/command.js';
import { errorText } from '../common/error-text.js';
import { EXIT, oneLine, RunFailure, UsageError } from './failures.js';
import { configFieldProblem, type ConfigFieldKey } from './installation.js';
import { PACKAGE_VERSION } from '../version.js';
import { runPreview } from './preview/command.js';


/** An option value checked with the config schema's own rule for that field, in its words. */
const configValue = (key: ConfigFieldKey) => (value: string) => {
  const problem = configFieldProblem(key, value);
  if (problem !== undefined) throw new InvalidArgumentError(`It ${problem}.`);
  return value;
};

const GENERAL_EXIT_CODES = `
Exit codes:
  0    every event went (delivered, or filtered as the blueprint or consent says)
  1    some event was rejected (or would fail), or the run could not finish (Heap refused the credentials, for one)
  2    a usage error: a bad option or value, an unreadable file, a checkpoint that does not fit; nothing was done`;
const EXIT_CODES = `${GENERAL_EXIT_CODES}
  130  interrupted (SIGINT, SIGTERM): the checkpoint says where --resume continues (a stop before anything was sent says so)`;

/** The command line: `preview` and `backfill`, each with --help; a bad option is one line and exit 2. */
export function cliProgram(argv: readonly string[], done: (code: number) => void): Command {
  const program = new Command('heap-integration')
    .description('Preview and backfill deliveries to Heap with the Heap integration plugin, as the host would make them.')
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${oneLine(text)}\n`) })
    .addHelpText('after', EXIT_CODES);

  program
    .command('preview')
    .description('Print the exact Heap requests deliver() would send for the events, and what happens to each event; sends nothing.')
    .argument('[file]', 'events: one JSON event, a JSON array of events, or NDJSON; stdin when absent or -')
    .option('--blueprint <file.json>', 'a blueprint (Datafly v2) instead of the default one')
    .option('--config <config.json>', 'the installation config: {"app_id", "region", "endpoint"}; the API key is never needed')
    .option('--json', 'print the preview as JSON (requests with their exact bodies, one result per event)')
    .addHelpText('after', `\nEvents are checked as the host's ingestion checks them; a missing messageId or timestamp is filled in, and said so.${GENERAL_EXIT_CODES}`)
    .action(async (file: string | undefined, options) => done(await runPreview(file, options)));

  program
    .command('backfill')
    .description('Send an NDJSON file of events to Heap in bulk, within Heap\'s rate limits, resumable from a checkpoint.')
    .argument('<events.ndjson>', 'one event per line, any size')
    .option('--app-id <id>', 'the App ID of the Heap environment to send to (required unless --dry-run)', configValue('app_id'))
    .option('--endpoint <url>', 'send to this base URL instead of the region\'s (a proxy, or a local Heap sandbox)', configValue('endpoint'))
    .addOption(new Option('--region <region>', 'the Heap data region').choices(Object.keys(HEAP_HOSTS)).default('us'))
    .option('--blueprint <file.json>', 'a blueprint (Datafly v2) instead of the default one')
    .option('--resume', 'continue after the checkpoint of an earlier run on this file')
    .option('--dry-run', 'check the whole file and print what would be sent, filtered and rejected; sends nothing, writes nothing')
    .addOption(new Option('--rate-limits <mode>', 'pace sends by Heap\'s rate limits, as the host does (off: only against a sandbox)').choices(['on', 'off']).default('on'))
    .addHelpText(
      'after',
      `
Environment:
  HEAP_API_KEY                 the Heap API key (required unless --dry-run); checked with Heap before sending, never printed
  DATAFLY_RETRY_SCHEDULE_MS    delays between attempts of a retryable event, as the host reads it (default 1 min, 10 min, 2 h, 21 h)
  DATAFLY_RETRY_AFTER_MAX_MS   the longest Retry-After honoured, as the host reads it
  HEAP_BACKFILL_PROGRESS_MS    how often a progress line is printed when stdout is not a terminal (default 5000)

Files beside the input (a link, pipe or device in their place is refused):
  <events.ndjson>.checkpoint   where the run is (written after every settled batch); --resume continues from it
  <events>.rejects.ndjson      lines that could not be sent: {"line": n, "reason": "...", "event": ...}
  <events.ndjson>.pacing/      Heap's rate-limit buckets as the last run left them (removed once the file is done)
${EXIT_CODES}`,
    )
    .action(async (file: string, options) => done(await runBackfill(file, options, argv)));

  return program;
}

/** Runs the command line; answers the exit code. Every failure is one line on stderr, never a stack. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await cliProgram(argv, (c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for, or the version: fine. Anything else commander refused has been printed.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`error: ${oneLine(errorText(error))}\n`);
    return error instanceof UsageError || error instanceof RunFailure ? error.exitCode : EXIT.failed;
  }
}

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { errorText, EXIT, oneLine, RunFailure, UsageError } from './failures.js';
import { runPreview } from './preview/command.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const EXIT_CODES = `
Exit codes:
  0    every event went (delivered, or filtered as the blueprint or consent says)
  1    some event was rejected (or would fail), or the run could not finish
  2    a usage error: a bad option or value, an unreadable file, a refused start; nothing was done
  130  interrupted (SIGINT, SIGTERM): the checkpoint says where --resume continues`;

/** The command line: `preview` and `backfill`, each with --help; a bad option is one line and exit 2. */
export function cliProgram(argv: readonly string[], done: (code: number) => void): Command {
  const program = new Command('heap-integration')
    .description('Preview and backfill deliveries to Heap with the Heap integration plugin, as the host would make them.')
    .version(VERSION)
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
    .addHelpText('after', `\nEvents are checked as the host's ingestion checks them; a missing messageId or timestamp is filled in, and said so.${EXIT_CODES}`)
    .action(async (file: string | undefined, options) => done(await runPreview(file, options)));

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

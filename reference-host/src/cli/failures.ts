/**
 * The exit codes the CLI promises (README): 0 everything went, 1 something was rejected or the run
 * failed, 2 the command line or its files were wrong (nothing was done), 130 interrupted (a
 * checkpoint says where to resume).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** The command line, or a file it names, is wrong: nothing was done. One line, exit 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
}

/** The run could not do its work (Heap refused the installation, a file could not be written). One line, exit 1. */
export class RunFailure extends Error {
  readonly exitCode = EXIT.failed;
}

/** What a person reads: the message on one line, never a stack. */
export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' ');
}

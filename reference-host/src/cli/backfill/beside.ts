import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import { errorText } from '../../common/error-text.js';
import { UsageError } from '../failures.js';

/**
 * The files a backfill keeps beside its input (checkpoint, its temporary file, rejects, the pacing
 * folder) are its own: it never follows a link there, nor writes into a pipe, a device or a file
 * that is also another file (a hard link), so a link planted beside the input cannot aim a
 * truncation at a file elsewhere, and a pipe or `/dev/zero` cannot hang or flood a read.
 */

/** What is at `path` when it is not what the backfill keeps there; undefined when it is (or nothing is). */
function oddity(stats: Stats, want: 'file' | 'folder'): string | undefined {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (want === 'folder') return stats.isDirectory() ? undefined : `${kind(stats)}, not a folder`;
  if (!stats.isFile()) return `${kind(stats)}, not a regular file`;
  if (stats.nlink > 1) return `a file with ${stats.nlink} hard links (another name for a file elsewhere)`;
  return undefined;
}

function kind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'a regular file';
}

function refusal(path: string, what: string, role: string): UsageError {
  return new UsageError(`${path} is ${what}: the backfill keeps its ${role} there and uses only a plain ${role.endsWith('folder') ? 'folder' : 'file'} of its own; move it away and run again`);
}

/** Refuses, before anything is written, what is at `path` when it is not a regular file (or a folder) of its own; nothing there is fine. */
export function ensureOwn(path: string, role: string, want: 'file' | 'folder' = 'file'): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? errorText(error)}): the backfill keeps its ${role} there`);
  }
  const odd = oddity(stats, want);
  if (odd !== undefined) throw refusal(path, odd, role);
}

/**
 * Opens `path` without following a link (O_NOFOLLOW) and without waiting on a pipe (O_NONBLOCK),
 * then checks what was opened (fstat): no gap between a check and the open for a link to slip in.
 * Answers undefined when nothing is there and `flags` do not create it.
 */
export function openOwn(path: string, flags: number, role: string): { fd: number; stats: Stats } | undefined {
  let fd: number;
  try {
    fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && (flags & constants.O_CREAT) === 0) return undefined;
    if (code === 'ELOOP') throw refusal(path, 'a symbolic link', role);
    if (code === 'EEXIST') throw new UsageError(`${path} appeared while the backfill was creating it: another run on this file may be going on; make sure none is, move it away and run again`);
    if (code === 'ENXIO' || code === 'EISDIR') throw refusal(path, code === 'ENXIO' ? 'a named pipe, not a regular file' : 'a folder, not a regular file', role);
    throw new UsageError(`${path} cannot be opened (${code ?? errorText(error)}): the backfill keeps its ${role} there`);
  }
  const stats = fstatSync(fd);
  const odd = oddity(stats, 'file');
  if (odd !== undefined) {
    closeSync(fd);
    throw refusal(path, odd, role);
  }
  return { fd, stats };
}

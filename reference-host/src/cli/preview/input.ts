import { readFile } from 'node:fs/promises';
import { errorText } from '../../shared/error-text.js';
import { RunFailure, UsageError } from '../failures.js';

/** One event of the input, where it was, and its JSON (or why it is not JSON). */
export type InputItem = { source: string; value: unknown } | { source: string; error: string };

/** The file's text, or stdin's when there is no file or it is `-`. */
export async function readInput(file: string | undefined): Promise<{ name: string; text: string }> {
  if (file !== undefined && file !== '-') {
    try {
      return { name: file, text: await readFile(file, 'utf8') };
    } catch (error) {
      throw new UsageError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? errorText(error)})`);
    }
  }
  if (process.stdin.isTTY) process.stderr.write('reading events from stdin (end with Ctrl-D)\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return { name: 'stdin', text: Buffer.concat(chunks).toString('utf8') };
}

/**
 * The events of a text that holds one JSON event, a JSON array of events, or NDJSON (one event per
 * line; blank lines are skipped, a line that is not JSON is an item with its error). Whole-text JSON
 * that is malformed is a failure of the input, not of one event.
 */
export function parseEvents(name: string, raw: string): InputItem[] {
  const text = raw.replace(/^\uFEFF/, '');
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new RunFailure(`${name} is not valid JSON: ${errorText(error)}`);
    }
    return (parsed as unknown[]).map((value, i) => ({ source: `item ${i + 1}`, value }));
  }
  if (trimmed.startsWith('{')) {
    try {
      return [{ source: 'event', value: JSON.parse(trimmed) }];
    } catch {
      // More than one object: NDJSON.
    }
  }
  const items: InputItem[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const source = `line ${i + 1}`;
    try {
      items.push({ source, value: JSON.parse(line) });
    } catch (error) {
      items.push({ source, error: `not valid JSON (${errorText(error)})` });
    }
  });
  return items;
}

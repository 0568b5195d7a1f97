import { readFile } from 'node:fs/promises';
import { errorText } from '../../common/error-text.js';
import { decodeUtf8, NOT_UTF8_REASON, replacementPath } from '../../common/utf8.js';
import { RunFailure, UsageError } from '../failures.js';

/** One event of the input, where it was, and its JSON (or why it is not JSON). */
export type InputItem = { source: string; value: unknown } | { source: string; error: string };

/** The input's text and whether it was UTF-8 (when not, U+FFFD stands in for the bad bytes). */
export interface Input {
  name: string;
  text: string;
  utf8: boolean;
}

/** The file's text, or stdin's when there is no file or it is `-`. */
export async function readInput(file: string | undefined): Promise<Input> {
  if (file !== undefined && file !== '-') {
    try {
      const { text, valid } = decodeUtf8(await readFile(file));
      return { name: file, text, utf8: valid };
    } catch (error) {
      throw new UsageError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? errorText(error)})`);
    }
  }
  if (process.stdin.isTTY) process.stderr.write('reading events from stdin (end with Ctrl-D)\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const { text, valid } = decodeUtf8(Buffer.concat(chunks));
  return { name: 'stdin', text, utf8: valid };
}

/**
 * The items of an input that was not UTF-8: each event holding U+FFFD becomes an error naming the
 * field, as the host and the backfill refuse it (two ids that differ only there would be one).
 */
export function refuseNotUtf8(items: InputItem[]): InputItem[] {
  return items.map((item) => {
    if (!('value' in item)) return item;
    const path = replacementPath(item.value);
    if (path === undefined) return item;
    return { source: item.source, error: path ? `${path}: ${NOT_UTF8_REASON}` : `the event ${NOT_UTF8_REASON}` };
  });
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

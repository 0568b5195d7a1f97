import { open } from 'node:fs/promises';

/** One line of the input. */
export interface Line {
  /** 1-based. */
  number: number;
  /** Decoded as UTF-8, without its line break (`\n` or `\r\n`). */
  text: string;
  /** The byte offset just past this line's break: where the next line starts. */
  end: number;
  /** The line was longer than the limit: `text` holds its first kilobyte only. */
  tooLong?: boolean;
}

/** Where a read starts: a byte offset and the number of the line before it. */
export interface Position {
  offset: number;
  line: number;
}

const CHUNK_BYTES = 1 << 20;
/** What a line past the limit keeps of itself, for its reject. */
const TOO_LONG_KEEPS = 1024;
const NEWLINE = 0x0a;

/**
 * The file's lines from `start`, a chunk's worth at a time, with exact byte offsets (readline cannot
 * give them: it decodes first and treats `\r\n` and `\n` alike). Memory stays constant: one read
 * buffer, used again for every chunk, plus the line that spans chunks, which is cut at
 * `maxLineBytes` and skipped to its end. The next chunk is read only when the consumer asks for it
 * (backpressure).
 */
export async function* readLines(path: string, start: Position, maxLineBytes: number): AsyncGenerator<Line[]> {
  let offset = start.offset; // where the current line starts
  let number = start.line;
  let carried: Buffer[] = []; // the current line's bytes from earlier chunks
  let carriedBytes = 0;
  let tooLong = false;

  const line = (last: Buffer, breakBytes: number): Line => {
    const bytes = carriedBytes + last.length;
    let text: string;
    if (tooLong || bytes > maxLineBytes) text = Buffer.concat([...carried, last]).subarray(0, TOO_LONG_KEEPS).toString('utf8');
    else text = (carried.length === 0 ? last : Buffer.concat([...carried, last])).toString('utf8');
    // A carriage return before the newline is part of the break (Windows files), not of the text.
    if (breakBytes > 0 && text.endsWith('\r')) text = text.slice(0, -1);
    if (offset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    number++;
    offset += bytes + breakBytes;
    const result: Line = { number, text, end: offset };
    if (tooLong || bytes > maxLineBytes) result.tooLong = true;
    carried = [];
    carriedBytes = 0;
    tooLong = false;
    return result;
  };

  for await (const chunk of chunks(path, start.offset)) {
    const lines: Line[] = [];
    let from = 0;
    for (let at = chunk.indexOf(NEWLINE, from); at !== -1; at = chunk.indexOf(NEWLINE, from)) {
      lines.push(line(chunk.subarray(from, at), 1));
      from = at + 1;
    }
    const rest = chunk.subarray(from);
    if (rest.length > 0) {
      // Past the limit, only the first kilobyte is kept; the rest of the line is counted, not held.
      if (!tooLong) carried.push(Buffer.from(rest));
      else if (carriedBytes < TOO_LONG_KEEPS) carried.push(Buffer.from(rest.subarray(0, TOO_LONG_KEEPS - carriedBytes)));
      carriedBytes += rest.length;
      if (carriedBytes > maxLineBytes) tooLong = true;
    }
    if (lines.length > 0) yield lines;
  }
  if (carriedBytes > 0) yield [line(Buffer.alloc(0), 0)];
}

/**
 * How many lines the file has (a last line without a break counts), by scanning its bytes for
 * newlines before the run: a progress bar with a total and an ETA is worth one read of the file.
 */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = NEWLINE;
  for await (const chunk of chunks(path, 0)) {
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1];
  }
  return last === NEWLINE ? lines : lines + 1;
}

/**
 * The file's bytes from `offset`, chunk by chunk, in one buffer read into again for each chunk: a
 * chunk is valid until the next is asked for (lines are decoded, and a spanning line copied, before).
 */
async function* chunks(path: string, offset: number): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  try {
    for (let position = offset; ; ) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrefixDigest } from '../../src/cli/backfill/digest.js';
import { readLines, type Line } from '../../src/cli/backfill/lines.js';
import { surveyInput } from '../../src/cli/backfill/survey.js';

const dir = mkdtempSync(join(tmpdir(), 'heap-cli-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function all(path: string, start = { offset: 0, line: 0 }, max = 1 << 20): Promise<Line[]> {
  const lines: Line[] = [];
  for await (const chunk of readLines(path, start, { maxLineBytes: max, end: statSync(path).size })) lines.push(...chunk);
  return lines;
}

const countLines = async (path: string) => (await surveyInput(path, statSync(path).size, 0)).totalLines;

/** The checkpoint stores byte offsets: they must be exact whatever the line breaks and characters. */
describe('reading NDJSON lines with their byte offsets', () => {
  it('gives each line its number and the offset after its break (\\n or \\r\\n, a BOM, multi-byte text, no final break)', async () => {
    const path = file('mixed.ndjson', '\uFEFF{"a":1}\r\n\n{"é":"✓"}\n{"last":true}');
    expect(await all(path)).toEqual([
      { number: 1, text: '{"a":1}', end: 12 },
      { number: 2, text: '', end: 13 },
      { number: 3, text: '{"é":"✓"}', end: 26 },
      { number: 4, text: '{"last":true}', end: 39 },
    ]);
    expect(await countLines(path)).toBe(4);
    // From an offset a checkpoint recorded, the same lines follow.
    expect(await all(path, { offset: 13, line: 2 })).toEqual([
      { number: 3, text: '{"é":"✓"}', end: 26 },
      { number: 4, text: '{"last":true}', end: 39 },
    ]);
  });

  it('joins lines that span read chunks, and counts lines of a file that ends with a break', async () => {
    const long = 'x'.repeat(700_000);
    const path = file('chunks.ndjson', `${long}\n${long}\n${long}\n`);
    const lines = await all(path);
    expect(lines.map((l) => [l.number, l.text.length, l.end])).toEqual([
      [1, 700_000, 700_001],
      [2, 700_000, 1_400_002],
      [3, 700_000, 2_100_003],
    ]);
    expect(await countLines(path)).toBe(3);
  });

  it('gives the SHA-256 of the bytes before any line end as it reads, across chunks, from the start or from an offset', async () => {
    const long = 'z'.repeat(700_000);
    const path = file('digest.ndjson', `${long}\n{"a":1}\n${long}\n${long}`);
    const bytes = readFileSync(path);
    const sha = (end: number) => createHash('sha256').update(bytes.subarray(0, end)).digest('hex');
    const digests = async (start: { offset: number; line: number }) => {
      const survey = await surveyInput(path, bytes.length, start.offset);
      const digest = new PrefixDigest(survey.hash, start.offset);
      const seen: [number, string][] = [];
      for await (const chunk of readLines(path, start, { maxLineBytes: 1 << 20, end: bytes.length, digest })) for (const line of chunk) seen.push([line.end, digest.before(line.end)]);
      return seen;
    };
    const ends = [700_001, 700_009, 1_400_010, 2_100_010];
    expect(await digests({ offset: 0, line: 0 })).toEqual(ends.map((end) => [end, sha(end)]));
    expect(await digests({ offset: 700_009, line: 2 })).toEqual(ends.slice(2).map((end) => [end, sha(end)]));
  });

  it('marks a line that holds bytes that are not UTF-8, and reads no further than the end it is given', async () => {
    const path = file('latin1.ndjson', Buffer.concat([Buffer.from('{"u":"user'), Buffer.from([0xc3]), Buffer.from('"}\n{"u":"üser"}\n{"u":"later"}\n')]));
    const lines: Line[] = [];
    for await (const chunk of readLines(path, { offset: 0, line: 0 }, { maxLineBytes: 1 << 20, end: 28 })) lines.push(...chunk);
    expect(lines).toEqual([
      { number: 1, text: '{"u":"user\uFFFD"}', end: 14, notUtf8: true },
      { number: 2, text: '{"u":"üser"}', end: 28 },
    ]);
  });

  it('cuts a line longer than the limit to its first kilobyte, without holding the rest, and reads on after it', async () => {
    const path = file('too-long.ndjson', `${'y'.repeat(3_000_000)}\n{"next":1}\n`);
    expect((await all(path, undefined, 1_000_000)).map((l) => [l.number, l.text.length, l.end, l.tooLong ?? false])).toEqual([
      [1, 1024, 3_000_001, true],
      [2, 10, 3_000_012, false],
    ]);
  });
});

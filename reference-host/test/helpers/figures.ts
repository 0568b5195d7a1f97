/** Prints a reliability or benchmark figure table so a run's numbers can be read (and quoted) as they are. */
export function printFigures(title: string, rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (r: Record<string, string | number>, c: string) => (r[c] === undefined ? '' : String(r[c]));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const text = [
    '',
    title,
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r, c)))),
    '',
  ].join('\n');
  process.stdout.write(`${text}\n`);
}

/** `RELIABILITY_SCALE=full` (npm run test:reliability) runs the full sizes; npm test a smaller one. */
export const FULL_SCALE = process.env.RELIABILITY_SCALE === 'full';

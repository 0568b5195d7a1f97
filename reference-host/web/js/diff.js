// Line diffs with jsdiff (its browser build, served by the host at /vendor/diff.js, sets
// globalThis.Diff). Loaded the first time a diff is asked for.
let loading;

async function jsdiff() {
  loading ??= import('/vendor/diff.js');
  await loading;
  return globalThis.Diff;
}

/**
 * The lines of `before` → `after` as [{kind: 'same'|'add'|'del', text}] with unchanged runs longer
 * than 2 × `context` folded into one {kind: 'fold', count}.
 */
export async function lineDiff(before, after, context = 3) {
  const { diffLines } = await jsdiff();
  const parts = diffLines(before, after);
  const lines = [];
  parts.forEach((part, index) => {
    const kind = part.added ? 'add' : part.removed ? 'del' : 'same';
    const text = part.value.endsWith('\n') ? part.value.slice(0, -1) : part.value;
    const partLines = text.split('\n');
    if (kind !== 'same') {
      for (const line of partLines) lines.push({ kind, text: line });
      return;
    }
    const head = index === 0 ? 0 : context;
    const tail = index === parts.length - 1 ? 0 : context;
    if (partLines.length <= head + tail + 1) {
      for (const line of partLines) lines.push({ kind, text: line });
      return;
    }
    for (const line of partLines.slice(0, head)) lines.push({ kind, text: line });
    lines.push({ kind: 'fold', count: partLines.length - head - tail });
    for (const line of partLines.slice(partLines.length - tail)) lines.push({ kind, text: line });
  });
  return lines;
}

import type { CliPreview, SourcedPreviewResult } from './preview.js';

/** `--json`: the preview as one JSON document; each body is the exact string `deliver` would send. */
export function renderJson(preview: CliPreview): string {
  return `${JSON.stringify(preview, null, 2)}\n`;
}

/**
 * For a person: each request with its body pretty-printed, then the exact body as it goes on the
 * wire, then one line per event with its status, and its warnings and reasons beneath.
 */
export function renderText(preview: CliPreview): string {
  const out: string[] = [];
  const { requests, results } = preview;
  out.push(`${count(requests.length, 'Heap request')} (nothing was sent)${requests.length > 0 ? ':' : '.'}`);
  requests.forEach((request, i) => {
    out.push('', `request ${i + 1}: ${request.method} ${request.url}`, pretty(request.body), `exact body (${Buffer.byteLength(request.body)} bytes):`, request.body);
  });
  const tally = (status: SourcedPreviewResult['status']) => results.filter((r) => r.status === status).length;
  out.push('', `${count(results.length, 'event')}: ${tally('send')} to send, ${tally('filtered')} filtered, ${tally('failed')} failed`);
  const sourceWidth = Math.max(...results.map((r) => r.source.length));
  const idWidth = Math.max(1, ...results.map((r) => r.messageId.length));
  for (const r of results) {
    out.push(`  ${r.source.padEnd(sourceWidth)}  ${(r.messageId || '-').padEnd(idWidth)}  ${status(r)}`);
    for (const warning of r.warnings) out.push(`  ${' '.repeat(sourceWidth)}  ${' '.repeat(idWidth)}  warning: ${warning}`);
  }
  return `${out.join('\n')}\n`;
}

function status(r: SourcedPreviewResult): string {
  if (r.status === 'send') return `send → ${r.requests.length === 1 ? 'request' : 'requests'} ${r.requests.map((n) => n + 1).join(', ')}`;
  return `${r.status} (${r.code ?? 'no code'}): ${r.message ?? ''}`.trimEnd();
}

/** The body as indented JSON: a view, the exact body follows it. */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

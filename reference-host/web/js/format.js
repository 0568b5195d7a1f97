// How values read on the page: times, ages, counts, JSON.

export function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

/** The time alone for today, the date and time otherwise. */
export function formatWhen(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

export function formatClock(iso) {
  const d = iso instanceof Date ? iso : new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString();
}

export function formatNumber(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n);
}

/** 45 s, 2 min 5 s, 3 h 4 min, 2 d 1 h. */
export function formatAge(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ''}`;
}

export function formatWindow(ms) {
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`;
  if (ms % 1000 === 0) return ms === 1000 ? 'second' : `${ms / 1000} seconds`;
  return `${ms} ms`;
}

export function plural(n, one, many = `${one}s`) {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** A body as text: pretty JSON when it is JSON, the text itself otherwise. */
export function prettyText(text) {
  try {
    return pretty(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Whether a vendor's answer says nothing a person could use: empty, `{}`, `[]`, `null`, `OK`. */
export function saysNothing(text) {
  if (text === null || text === undefined) return true;
  const t = String(text).trim();
  return t === '' || t === '{}' || t === '[]' || t === 'null' || t === '""' || /^"?ok"?$/i.test(t);
}

export const STATUS_LABELS = { delivered: 'delivered', failed: 'failed', retryable: 'retryable', filtered: 'filtered' };
export const STATUSES = Object.keys(STATUS_LABELS);

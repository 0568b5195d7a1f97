import { createHash } from 'node:crypto';
import type { DateFormat, Transform } from '../blueprint.js';
import { asText, quoted } from './text.js';

export type TransformOutcome = { ok: true; value: unknown } | { ok: false; reason: string };

/** A mapping's `transform` applied to a value; a value it cannot take is a reason, never a throw. */
export function applyTransform(transform: Transform, value: unknown, format?: DateFormat): TransformOutcome {
  switch (transform) {
    case 'to_string':
      return { ok: true, value: asText(value) };
    case 'to_number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: `${quoted(value)} is not a number` };
    }
    case 'lowercase':
      return typeof value === 'string' ? { ok: true, value: value.toLowerCase() } : { ok: false, reason: 'lowercase needs a string' };
    case 'uppercase':
      return typeof value === 'string' ? { ok: true, value: value.toUpperCase() } : { ok: false, reason: 'uppercase needs a string' };
    case 'trim':
      return typeof value === 'string' ? { ok: true, value: value.trim() } : { ok: false, reason: 'trim needs a string' };
    case 'sha256':
      return { ok: true, value: createHash('sha256').update(asText(value).trim().toLowerCase()).digest('hex') };
    case 'date_format':
      return formatDate(value, format ?? 'iso');
  }
}

function formatDate(value: unknown, format: DateFormat): TransformOutcome {
  const date = typeof value === 'number' || typeof value === 'string' ? new Date(value) : value instanceof Date ? value : undefined;
  if (!date || Number.isNaN(date.getTime())) return { ok: false, reason: `${quoted(value)} is not a date` };
  switch (format) {
    case 'iso':
      return { ok: true, value: date.toISOString() };
    case 'unix':
      return { ok: true, value: Math.floor(date.getTime() / 1000) };
    case 'unix_ms':
      return { ok: true, value: date.getTime() };
    case 'date':
      return { ok: true, value: date.toISOString().slice(0, 10) };
  }
}

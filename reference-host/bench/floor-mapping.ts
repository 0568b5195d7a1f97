/**
 * What the floor host (bench/floor-host.ts) makes of its queued events for Heap's `/api/track`: flat
 * keys, string/number/boolean values of Heap's length. Apart from the host so the step timings of
 * bench/deliver-steps.ts run the same code.
 */
const VALUE_CHARS = 1023;

function flatten(value: unknown, prefix: string, out: Record<string, unknown>): Record<string, unknown> {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) out[prefix] = JSON.stringify(value).slice(0, VALUE_CHARS);
  else if (typeof value === 'object') for (const key in value) flatten((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key, out);
  else if (typeof value === 'string') out[prefix] = value.length > VALUE_CHARS ? value.slice(0, VALUE_CHARS) : value;
  else out[prefix] = value;
  return out;
}

/** One `/api/track` body for these queued events (each parsed back, properties flattened). */
export function trackBody(appId: string, rows: readonly { event_json: string }[]): string {
  const events = rows.map((row) => {
    const e = JSON.parse(row.event_json) as Record<string, unknown>;
    const user = typeof e.userId === 'string' ? { identity: e.userId } : { user_id: String(e.anonymousId) };
    return { ...user, event: e.event, timestamp: e.timestamp, idempotency_key: e.messageId, properties: flatten(e.properties, '', {}) };
  });
  return JSON.stringify({ app_id: appId, events });
}

/**
 * Text from any value, never throwing: events come from the outside, and `String(x)` throws for
 * objects without a prototype, `JSON.stringify` for BigInts and cycles.
 */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'symbol') return value.toString();
  if (value !== null && typeof value === 'object') return jsonText(value);
  return String(value);
}

/** JSON for messages and stringified properties; BigInts as strings, anything unserialisable named as such. */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? `[${typeof value}]`;
  } catch {
    return '[unserialisable]';
  }
}

/** A value as a message quotes it: JSON, at most 100 characters. */
export function quoted(value: unknown): string {
  return jsonText(value).slice(0, 100);
}

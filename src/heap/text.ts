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

/** `a, b or c`, for messages that list choices. */
export function oneOf(choices: readonly string[]): string {
  return choices.length < 2 ? choices.join('') : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

/** The text with every occurrence of `secret` replaced, for anything that may reach a log or a result. */
export function redact(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[redacted]');
}

/**
 * Values broken clients send for "no user" (`String(undefined)`, an unset number, a cleared field).
 * A vendor would merge every event carrying one into a single user, and merges cannot be undone, so
 * such an id counts as absent: an event needs a real userId or anonymousId.
 */
export const PLACEHOLDER_IDS: ReadonlySet<string> = new Set(['', 'null', 'undefined', 'nan', '[object object]', '0']);

const PLACEHOLDER_MAX_LENGTH = Math.max(...[...PLACEHOLDER_IDS].map((k) => k.length));

/** The id as text (a string, or a finite number within 2^53), placeholder or not; undefined for anything else. */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) return String(value);
  return undefined;
}

/** Whether an id's text stands for "no user" (case and padding aside). */
export function isPlaceholderId(text: string): boolean {
  // Only a short value can be a placeholder (padding aside): skip the trim and case fold for the rest.
  if (text.length > PLACEHOLDER_MAX_LENGTH && text.trim().length > PLACEHOLDER_MAX_LENGTH) return false;
  return PLACEHOLDER_IDS.has(text.trim().toLowerCase());
}

/** A user key worth sending: the id's text unless it is a placeholder. */
export function userKeyOf(value: unknown): string | undefined {
  const text = idText(value);
  return text === undefined || isPlaceholderId(text) ? undefined : text;
}

/** Why a present id is not used, for messages: `userId "0" is a placeholder for no user`. */
export function placeholderMessage(field: string, value: unknown): string | undefined {
  const text = idText(value);
  if (value === undefined || value === null || text === undefined || !isPlaceholderId(text)) return undefined;
  return `${field} ${JSON.stringify(value)} is a placeholder for no user (like "", "null", "undefined", "0"), not an id`;
}

import type { DataflyEvent } from './event.js';

export type ConsentDecision = 'granted' | 'denied' | 'absent';

/**
 * Reads an event's consent for one category, in either shape the collector sends:
 * flat `{analytics: true}` or `{categories: {...}, canonical: {...}}` (canonical wins).
 * `absent` means the event carries no consent at all (typical of server-side sources).
 */
export function consentFor(event: Pick<DataflyEvent, 'context'>, category: string): ConsentDecision {
  const consent = event.context?.consent;
  if (!consent || typeof consent !== 'object') return 'absent';
  const canonical = asRecord(consent.canonical);
  const categories = asRecord(consent.categories);
  for (const source of [canonical, categories, consent]) {
    if (source && category in source) return source[category] === true ? 'granted' : 'denied';
  }
  // A consent object that does not mention the category did not grant it.
  return 'denied';
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * The consent rule a host applies before a plugin sees an event: an event whose consent denies one of
 * the manifest's categories is filtered, with this reason; an event with no consent at all goes.
 */
export function consentDenial(event: Pick<DataflyEvent, 'context'>, categories: readonly string[]): { category: string; message: string } | undefined {
  const category = categories.find((c) => consentFor(event, c) === 'denied');
  return category === undefined ? undefined : { category, message: `consent for "${category}" was not given` };
}

import { randomUUID } from 'node:crypto';
import type { DataflyEvent, DeliveryAdapter, DeliveryPreview, PreviewResult } from '@datafly/heap-integration/contract';
import { acceptEvent } from '../events.js';
import { consentDenied } from '../installation.js';
import type { InputItem } from './input.js';

/** A preview result with where its event was in the input (`line 3`, `item 2`, `event`). */
export type SourcedPreviewResult = { source: string } & PreviewResult;

/** The adapter's DeliveryPreview, one result per input item in input order, each saying where it came from. */
export interface CliPreview {
  requests: DeliveryPreview['requests'];
  results: SourcedPreviewResult[];
}

/**
 * What a host would do with these events on a first attempt: each checked as ingestion checks it
 * (missing ids and timestamps filled in, and said so), the host's consent rule applied, the rest
 * previewed by the adapter. Nothing is sent.
 */
export function previewEvents(items: readonly InputItem[], adapter: Pick<DeliveryAdapter, 'preview'>, now: () => number): CliPreview {
  const results: SourcedPreviewResult[] = new Array(items.length);
  const sendable: { index: number; event: DataflyEvent; notes: string[] }[] = [];
  const fill = { messageId: () => randomUUID(), timestamp: () => new Date(now()).toISOString() };
  items.forEach((item, index) => {
    const { source } = item;
    const failed = (messageId: string, message: string): SourcedPreviewResult => ({ source, messageId, status: 'failed', code: 'invalid_event', message, warnings: [], requests: [] });
    if ('error' in item) {
      results[index] = failed('', item.error);
      return;
    }
    const accepted = acceptEvent(item.value, fill);
    if (!accepted.ok) {
      results[index] = failed(givenMessageId(item.value), accepted.reason);
      return;
    }
    const { event } = accepted;
    const notes = [...accepted.filled.map((field) => `${field} was missing: filled with ${event[field]}, as ingestion does`), ...accepted.unread.map((u) => `${u.field} ${u.message}`)];
    const denied = consentDenied(event);
    if (denied) {
      results[index] = { source, messageId: event.messageId, status: 'filtered', ...denied, warnings: notes, requests: [] };
      return;
    }
    sendable.push({ index, event, notes });
  });
  const preview = adapter.preview(sendable.map((s) => s.event));
  preview.results.forEach((result, i) => {
    const { index, notes } = sendable[i];
    results[index] = { source: items[index].source, ...result, warnings: [...notes, ...result.warnings] };
  });
  return { requests: preview.requests, results };
}

function givenMessageId(value: unknown): string {
  const id = value && typeof value === 'object' ? (value as { messageId?: unknown }).messageId : undefined;
  return typeof id === 'string' ? id : '';
}

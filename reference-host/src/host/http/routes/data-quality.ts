import { z } from 'zod';
import { WARNING_CODES, type WarningCode } from '@datafly/heap-integration/contract';
import { UNCODED } from '../../delivery/quality-tally.js';
import { SAMPLES_KEPT, type QualityRow } from '../../store/data-quality.js';
import { errors, IdParams } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';

const HOUR = 3_600_000;
/** How many events, properties and event-property pairs a kind lists (the most hit first). */
export const TOP = 10;

const NamedCount = z.object({ name: z.string(), count: z.number().int() });
const KindSchema = z.object({
  code: z.string().meta({ description: `A warning code of the contract, or "${UNCODED}" for a warning whose plugin gave none` }),
  description: z.string(),
  count: z.number().int().meta({ description: 'Finished events this kind of change hit, one per event and property' }),
  events: z.array(NamedCount).meta({ description: `The most hit event names (a track event's or page's name, else the event type), at most ${TOP}` }),
  distinct_events: z.number().int(),
  properties: z.array(NamedCount).meta({ description: `The most hit properties or event fields ("" when the warning names none), at most ${TOP}` }),
  distinct_properties: z.number().int(),
  pairs: z.array(z.object({ event: z.string(), property: z.string(), count: z.number().int() })).meta({ description: `The most hit event and property pairs, at most ${TOP}` }),
  samples: z.array(z.string()).meta({ description: `Up to ${SAMPLES_KEPT} messageIds it hit, newest first: GET …/events/{messageId} shows each one's path while its delivery logs are kept` }),
});
const DataQualitySchema = z
  .object({
    generated_at: z.string(),
    from: z.string().meta({ description: 'Start of the first hour counted: the last 24 hours, in whole hours' }),
    to: z.string(),
    total: z.number().int(),
    kinds: z.array(KindSchema).meta({ description: 'One per warning code seen in the window, the most frequent first' }),
  })
  .meta({ id: 'DataQuality' });

/** What the plugin changed in the events of the last 24 hours, by kind, event and property. */
export function dataQualityRoutes(app: Api, deps: Pick<RouteDeps, 'store' | 'box' | 'clock'>): void {
  app.get(
    `${ADMIN}/integrations/:id/data-quality`,
    { config: admin, schema: { ...adminDocs, tags: ['delivery'], summary: 'Warnings of the last 24 hours by kind, event and property, with sample messageIds', params: IdParams, response: { 200: DataQualitySchema, ...errors } } },
    async (req) => {
      const integration = await loadIntegration(deps, req.params.id);
      const now = deps.clock();
      const from = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
      const kinds = summarise(await deps.store.quality.since(integration.id, from));
      return { generated_at: new Date(now).toISOString(), from: new Date(from).toISOString(), to: new Date(now).toISOString(), total: kinds.reduce((n, k) => n + k.count, 0), kinds };
    },
  );
}

/** The window's rows (newest hour first) as one entry per code, the most frequent first. */
export function summarise(rows: readonly QualityRow[]): z.infer<typeof KindSchema>[] {
  const byCode = new Map<string, QualityRow[]>();
  for (const row of rows) {
    let list = byCode.get(row.code);
    if (!list) byCode.set(row.code, (list = []));
    list.push(row);
  }
  return [...byCode]
    .map(([code, list]) => {
      const events = countBy(list, (r) => r.eventName);
      const properties = countBy(list, (r) => r.property);
      const pairs = countBy(list, (r) => `${r.eventName}\u0000${r.property}`);
      return {
        code,
        description: code === UNCODED ? 'a warning its plugin gave no code' : (WARNING_CODES[code as WarningCode] ?? 'a code this host does not know'),
        count: list.reduce((n, r) => n + r.count, 0),
        events: events.slice(0, TOP),
        distinct_events: events.length,
        properties: properties.slice(0, TOP),
        distinct_properties: properties.length,
        pairs: pairs.slice(0, TOP).map(({ name, count }) => ({ event: name.split('\u0000')[0], property: name.split('\u0000')[1], count })),
        samples: [...new Set(list.flatMap((r) => r.samples))].slice(0, SAMPLES_KEPT),
      };
    })
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/** Counts per name, the largest first (ties by name, so the answer is stable). */
function countBy(rows: readonly QualityRow[], name: (row: QualityRow) => string): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(name(row), (counts.get(name(row)) ?? 0) + row.count);
  return [...counts].map(([n, count]) => ({ name: n, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

import type { Kysely } from 'kysely';
import { cutCharacters } from './delivery-logs.js';
import type { HostDatabase } from './schema.js';

/** How many messageIds a row keeps per hour, code, event and property: enough to open a few examples. */
export const SAMPLES_KEPT = 5;
/** The longest event name or property name the aggregate keeps (a longer one is cut to it). */
export const NAME_CHARS = 200;

const HOUR = 3_600_000;
/** Rows per INSERT: 7 parameters each, well under both engines' limit on bound parameters. */
const INSERT_CHUNK = 500;

/** One settled batch's count for a code, event and property, with the messageIds it hit, newest first. */
export interface QualityTally {
  code: string;
  eventName: string;
  property: string;
  count: number;
  samples: string[];
}

/** A row of the aggregate as the data-quality view reads it. */
export interface QualityRow extends QualityTally {
  hour: number;
}

/**
 * The data-quality aggregate: per integration and hour, how often each of a plugin's changes (a
 * warning code) hit which event and property. Written with the batch's outcome, so its cost follows
 * the batches, not the events; read for the last day in one query.
 */
export class DataQuality {
  constructor(private readonly db: Kysely<HostDatabase>) {}

  /**
   * Adds a batch's tallies to the hour they happened in: one read of the hour's samples for these codes,
   * one upsert. Counts add up exactly under concurrent batches; samples are the newest a batch saw
   * (two instances writing one row at once may each keep their own, which only changes the examples).
   */
  async record(integrationId: string, hour: number, tallies: readonly QualityTally[]): Promise<void> {
    if (tallies.length === 0) return;
    const rows = tallies.map((t) => ({ ...t, eventName: cutCharacters(t.eventName, NAME_CHARS), property: cutCharacters(t.property, NAME_CHARS) }));
    const before = await this.samplesOf(integrationId, hour, [...new Set(rows.map((r) => r.code))]);
    const values = rows.map((r) => {
      const kept = before.get(keyOf(r.code, r.eventName, r.property)) ?? [];
      const samples = [...new Set([...r.samples, ...kept])].slice(0, SAMPLES_KEPT);
      return { integration_id: integrationId, hour, code: r.code, event_name: r.eventName, property: r.property, count: r.count, samples_json: JSON.stringify(samples) };
    });
    // In key order, so two instances' settles lock shared rows alike and never deadlock (PostgreSQL).
    values.sort((a, b) => compare(a.code, b.code) || compare(a.event_name, b.event_name) || compare(a.property, b.property));
    for (let i = 0; i < values.length; i += INSERT_CHUNK) {
      await this.db
        .insertInto('data_quality')
        .values(values.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) =>
          oc.columns(['integration_id', 'hour', 'code', 'event_name', 'property']).doUpdateSet((eb) => ({
            count: eb('data_quality.count', '+', eb.ref('excluded.count')),
            samples_json: eb.ref('excluded.samples_json'),
          })),
        )
        .execute();
    }
  }

  private async samplesOf(integrationId: string, hour: number, codes: string[]): Promise<Map<string, string[]>> {
    const rows = await this.db
      .selectFrom('data_quality')
      .select(['code', 'event_name', 'property', 'samples_json'])
      .where('integration_id', '=', integrationId)
      .where('hour', '=', hour)
      .where('code', 'in', codes)
      .execute();
    return new Map(rows.map((r) => [keyOf(r.code, r.event_name, r.property), JSON.parse(r.samples_json) as string[]]));
  }

  /** Every row of the integration from the hour starting at `fromHour` on, newest hour first, then by code, event and property. */
  async since(integrationId: string, fromHour: number): Promise<QualityRow[]> {
    const rows = await this.db
      .selectFrom('data_quality')
      .select(['hour', 'code', 'event_name', 'property', 'count', 'samples_json'])
      .where('integration_id', '=', integrationId)
      .where('hour', '>=', fromHour)
      .orderBy('hour', 'desc')
      .orderBy('code')
      .orderBy('event_name')
      .orderBy('property')
      .execute();
    return rows.map((r) => ({ hour: Number(r.hour), code: r.code, eventName: r.event_name, property: r.property, count: Number(r.count), samples: JSON.parse(r.samples_json) as string[] }));
  }

  /** Deletes the hours that ended before `cutoff` (ms): the delivery logs' retention. Answers how many rows went. */
  async prune(cutoff: number): Promise<number> {
    const result = await this.db.deleteFrom('data_quality').where('hour', '<=', cutoff - HOUR).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function keyOf(code: string, eventName: string, property: string): string {
  return `${code}\u0000${eventName}\u0000${property}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

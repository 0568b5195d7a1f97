import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';

/** A token bucket shared by every instance: the vendor's limit, keyed as the adapter keys it. */
export interface RateLimitBucketTable {
  key: string;
  capacity: number;
  window_ms: number;
  tokens: number;
  updated_at: number;
  /** Scratch of the last statement: what it asked for and what it got. */
  wanted: number;
  granted: number;
  /** Until when tokens are promised to held-back events (they come back then, not all at once). */
  promised_until: number;
  /** Set when a take found the bucket full: the vendor starts counting only when the request arrives. */
  full_take_at: number | null;
}

/** The tables the buckets need: the host's database holds this one among others. */
export interface BucketDatabase {
  rate_limit_buckets: RateLimitBucketTable;
}

/** The engines the buckets run on: their SQL differs in the names of least and greatest only. */
export type BucketEngine = 'sqlite' | 'postgres';

/** What a batch asks of one bucket: `want` tokens. */
export interface BucketAsk {
  key: string;
  capacity: number;
  windowMs: number;
  want: number;
}

/** What the bucket gave, and when tokens for what it could not give will have flowed in. */
export interface BucketGrant {
  key: string;
  granted: number;
  /** When the last token promised to held-back asks arrives (ms since the epoch). */
  promisedUntil: number;
  /** When this take froze the bucket (it was within one flight of full; its settle must say so), else undefined. */
  fullTakeAt?: number;
}

/** What a batch gives back once the vendor answered: unused tokens, and whether its take froze the bucket. */
export interface BucketReturn extends BucketAsk {
  /** The `fullTakeAt` of this batch's grant, if any. */
  fullTakeAt?: number;
}

/**
 * Token buckets in the database, so every instance draws on the same allowance: `capacity` tokens
 * refilled evenly over `windowMs`, keyed as the adapter keys the vendor's limits. One statement per
 * batch takes from every bucket it needs (an upsert: a bucket is born full); one more, inside the
 * batch's settle transaction, gives back what went unused. Both engines run the same SQL but for
 * least/greatest.
 *
 * A take that finds a bucket full, or close enough to full that it could reach capacity while the
 * request is in flight, freezes its refill until that batch's answer: the vendor counts the request
 * only when it arrives (at the latest when the answer is here), and its bucket, capped at capacity
 * meanwhile, would then hold less than one refilling from the take; a batch sent in between could
 * provoke a 429. The freeze lasts at most `holdMaxMs` (a batch that never answers belongs to a dead
 * instance), which is also how long a flight is assumed to take at most.
 */
export class RateLimitBuckets {
  constructor(
    private readonly db: Kysely<BucketDatabase>,
    private readonly engine: BucketEngine,
  ) {}

  /**
   * The buckets in a database that holds their table among others (the host's). Kysely's database type
   * is invariant, so the narrowing is a cast; the constraint proves the table is there, as declared.
   */
  static in<DB extends BucketDatabase>(db: Kysely<DB>, engine: BucketEngine): RateLimitBuckets {
    return new RateLimitBuckets(db as unknown as Kysely<BucketDatabase>, engine);
  }

  /**
   * Takes up to `want` tokens from each bucket, atomically per bucket. What could not be given is
   * promised from the bucket's future tokens, after any earlier promise, so held-back work returns in
   * order rather than all at once.
   */
  async take(asks: readonly BucketAsk[], now: number, holdMaxMs: number): Promise<Map<string, BucketGrant>> {
    if (asks.length === 0) return new Map();
    const e = this.expressions(now, holdMaxMs);
    const rows = await this.db
      .insertInto('rate_limit_buckets')
      .values(
        sortByKey(asks).map((a) => {
          const given = Math.max(0, Math.min(a.want, a.capacity));
          const short = a.want - given;
          return {
            key: a.key,
            capacity: a.capacity,
            window_ms: a.windowMs,
            tokens: a.capacity - given,
            updated_at: now,
            wanted: a.want,
            granted: given,
            promised_until: short > 0 ? now + ((short + 1) * a.windowMs) / a.capacity : 0,
            full_take_at: given > 0 ? now : null,
          };
        }),
      )
      .onConflict((oc) =>
        oc.column('key').doUpdateSet(() => {
          const granted = e.least(e.wanted, e.greatest(num(0), sql<number>`floor(${e.available})`));
          const shortfall = e.x`${e.wanted} - ${granted}`;
          const firstFree = e.x`${e.at} + ${e.greatest(num(0), e.x`1 - (${e.available} - ${granted})`)} / ${e.rate}`;
          return {
            tokens: e.x`${e.available} - ${granted}`,
            granted,
            wanted: e.wanted,
            // Frozen, the refill base stays where it is (the settle that thaws it moves it to the answer).
            updated_at: e.x`case when ${e.frozen} then ${e.b('updated_at')} else ${e.greatest(e.b('updated_at'), e.at)} end`,
            capacity: sql.ref<number>('excluded.capacity'),
            window_ms: sql.ref<number>('excluded.window_ms'),
            promised_until: e.x`case when ${shortfall} > 0 then ${e.greatest(e.b('promised_until'), firstFree)} + ${shortfall} / ${e.rate} else ${e.b('promised_until')} end`,
            full_take_at: sql<number | null>`case when ${e.frozen} then ${e.b('full_take_at')} when ${e.available} + ${num(holdMaxMs)} * ${e.rate} >= ${e.b('capacity')} and ${granted} > 0 then ${e.at} else null end`,
          };
        }),
      )
      .returning(['key', 'granted', 'promised_until', 'full_take_at'])
      .execute();
    return new Map(
      rows.map((r) => [r.key, { key: r.key, granted: Number(r.granted), promisedUntil: Number(r.promised_until), fullTakeAt: r.full_take_at !== null && Number(r.full_take_at) === now ? now : undefined }]),
    );
  }

  /**
   * After the vendor answered: gives back tokens granted but not used, and thaws every bucket this
   * batch's take froze, refilling from now on.
   */
  async settle(returns: readonly BucketReturn[], now: number, holdMaxMs: number): Promise<void> {
    if (returns.length === 0) return;
    const e = this.expressions(now, holdMaxMs);
    // The batch's own freeze: the proposed row carries the time of its take in `full_take_at`.
    const mine = sql<boolean>`${e.b('full_take_at')} is not null and ${e.b('full_take_at')} = ${sql.ref('excluded.full_take_at')}`;
    await this.db
      .insertInto('rate_limit_buckets')
      .values(
        sortByKey(returns).map((r) => ({
          key: r.key,
          capacity: r.capacity,
          window_ms: r.windowMs,
          tokens: r.capacity,
          updated_at: now,
          wanted: -r.want,
          granted: 0,
          promised_until: 0,
          full_take_at: r.fullTakeAt ?? null,
        })),
      )
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          tokens: e.least(e.b('capacity'), e.x`case when ${mine} then ${e.b('tokens')} else ${e.available} end - ${e.wanted}`),
          wanted: e.wanted,
          granted: num(0),
          updated_at: e.x`case when ${mine} then ${e.at} when ${e.frozen} then ${e.b('updated_at')} else ${e.greatest(e.b('updated_at'), e.at)} end`,
          full_take_at: sql<number | null>`case when ${mine} then null else ${e.b('full_take_at')} end`,
        }),
      )
      .execute();
  }

  /** How many tokens each bucket holds now (a bucket never taken from is full: absent here). */
  async peek(keys: readonly string[], now: number, holdMaxMs: number): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const e = this.expressions(now, holdMaxMs);
    const rows = await this.db.selectFrom('rate_limit_buckets').select(['key', e.available.as('available')]).where('key', 'in', [...keys]).execute();
    return new Map(rows.map((r) => [r.key, Number(r.available)]));
  }

  /**
   * Forgets buckets that are full again and owe nothing: memory tracks active users only. On
   * PostgreSQL the rows are picked with `FOR UPDATE SKIP LOCKED` first: a bucket a batch is taking
   * from or settling is left for the next sweep, so the sweep never waits for a batch's lock while
   * holding one the batch waits for (a DELETE locks in the order it finds rows on disk, the batches
   * in key order).
   */
  async sweep(now: number): Promise<number> {
    const result = await this.db
      .with('idle', (db) =>
        db
          .selectFrom('rate_limit_buckets')
          .select('key')
          .where(sql<boolean>`tokens + (${num(now)} - updated_at) * capacity / window_ms >= capacity`)
          .where('promised_until', '<=', now)
          .where('full_take_at', 'is', null)
          .$if(this.engine === 'postgres', (q) => q.forUpdate().skipLocked()),
      )
      .deleteFrom('rate_limit_buckets')
      .where('key', 'in', (eb) => eb.selectFrom('idle').select('key'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The SQL pieces both statements share, on the row as it was before the statement. */
  private expressions(now: number, holdMaxMs: number) {
    // Every fragment is parenthesised where it is made, so no operator precedence reaches across them.
    const x = (strings: TemplateStringsArray, ...parts: unknown[]) => sql<number>`(${sql<number>(strings, ...parts)})`;
    const least = (a: Expression<number>, b: Expression<number>) => (this.engine === 'postgres' ? sql<number>`least(${a}, ${b})` : sql<number>`min(${a}, ${b})`);
    const greatest = (a: Expression<number>, b: Expression<number>) => (this.engine === 'postgres' ? sql<number>`greatest(${a}, ${b})` : sql<number>`max(${a}, ${b})`);
    const b = (column: string) => sql.ref<number>(`rate_limit_buckets.${column}`);
    const at = num(now);
    const rate = x`${b('capacity')} / ${b('window_ms')}`;
    const frozen = sql<boolean>`(${b('full_take_at')} is not null and ${at} - ${b('full_take_at')} < ${num(holdMaxMs)})`;
    // What the bucket holds now: its tokens, refilled since `updated_at` unless a take from full is in flight.
    const available = x`case when ${frozen} then ${b('tokens')} else ${least(b('capacity'), x`${b('tokens')} + ${greatest(num(0), x`${at} - ${b('updated_at')}`)} * ${rate}`)} end`;
    return { x, least, greatest, b, at, rate, frozen, available, wanted: sql.ref<number>('excluded.wanted') };
  }
}

/** Sorted, so two instances lock shared buckets in the same order and never deadlock each other. */
function sortByKey<T extends { key: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A number bound as a parameter both engines read as a number, whatever the context. */
function num(n: number): RawBuilder<number> {
  return sql<number>`cast(${n} as double precision)`;
}

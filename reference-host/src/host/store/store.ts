import { sql, type Kysely } from 'kysely';
import type { Logger } from '@datafly/heap-integration/contract';
import { DataQuality } from './data-quality.js';
import { DeliveryLogs } from './delivery-logs.js';
import { EventPayloads } from './event-payloads.js';
import { openDatabase, type Engine, type StoreLocation } from './engine.js';
import { IntegrationStatusRepository } from './integration-status.js';
import { IntegrationRepository } from './integrations.js';
import { DeliveryQueue } from './queue.js';
import { RateLimitBuckets } from '../../common/pacing/rate-limit-buckets.js';
import type { HostDatabase } from './schema.js';
import { UserDeletions } from './user-deletions.js';

/**
 * Every repository of the host over one connection (or one transaction): what the rest of the host
 * talks to, whichever engine is underneath.
 */
export class Store {
  readonly integrations: IntegrationRepository;
  readonly status: IntegrationStatusRepository;
  readonly payloads: EventPayloads;
  readonly queue: DeliveryQueue;
  readonly logs: DeliveryLogs;
  readonly quality: DataQuality;
  readonly buckets: RateLimitBuckets;
  readonly deletions: UserDeletions;

  constructor(
    readonly db: Kysely<HostDatabase>,
    readonly engine: Engine,
    /** "SQLite at …" / "PostgreSQL at host:port/db". */
    readonly description: string,
    private readonly inTransaction = false,
  ) {
    this.payloads = new EventPayloads(db, engine);
    this.integrations = new IntegrationRepository(db, engine, this.payloads);
    this.status = new IntegrationStatusRepository(db);
    this.queue = new DeliveryQueue(db, engine, this.payloads);
    this.logs = new DeliveryLogs(db, engine, this.payloads);
    this.quality = new DataQuality(db);
    this.buckets = RateLimitBuckets.in(db, engine);
    this.deletions = new UserDeletions(db);
  }

  static async open(location: StoreLocation, logger: Logger): Promise<Store> {
    const { db, engine, description } = await openDatabase(location, logger);
    return new Store(db, engine, description);
  }

  /**
   * Runs `work` in one transaction (nested calls join the outer one): all of it commits, or none.
   * `full` durability (the default) returns only once the commit is on disk: what acceptance of an
   * event or a config change needs. `relaxed` may lose the last commits in a crash of the machine,
   * which for a batch's outcome only means its events are sent again under the same idempotency keys.
   */
  transaction<T>(work: (tx: Store) => Promise<T>, durability: 'full' | 'relaxed' = 'full'): Promise<T> {
    if (this.inTransaction) return work(this);
    const run = (db: Kysely<HostDatabase>) => db.transaction().execute((trx) => work(new Store(trx, this.engine, this.description, true)));
    if (this.engine === 'postgres') {
      if (durability === 'full') return run(this.db);
      return this.db.transaction().execute(async (trx) => {
        await sql`set local synchronous_commit to off`.execute(trx);
        return work(new Store(trx, this.engine, this.description, true));
      });
    }
    if (durability === 'relaxed') return run(this.db);
    // SQLite: one connection; hold it so no other statement commits under the raised setting.
    return this.db.connection().execute(async (connection) => {
      await sql`pragma synchronous = full`.execute(connection);
      try {
        return await run(connection);
      } finally {
        await sql`pragma synchronous = normal`.execute(connection);
      }
    });
  }

  /** Answers whether the database takes a query now (for /health and ingestion's 503). */
  async ping(): Promise<boolean> {
    try {
      await this.db.selectFrom('integrations').select('id').limit(1).execute();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

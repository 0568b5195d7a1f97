import type { Kysely } from 'kysely';
import type { Logger } from '../../contract/index.js';
import { DeliveryLogs } from './delivery-logs.js';
import { openDatabase, type Engine, type StoreLocation } from './engine.js';
import { IntegrationStatusRepository } from './integration-status.js';
import { IntegrationRepository } from './integrations.js';
import { DeliveryQueue } from './queue.js';
import { RateLimitBuckets } from './rate-limit-buckets.js';
import type { HostDatabase } from './schema.js';
import { UserDeletions } from './user-deletions.js';

/**
 * Every repository of the host over one connection (or one transaction): what the rest of the host
 * talks to, whichever engine is underneath.
 */
export class Store {
  readonly integrations: IntegrationRepository;
  readonly status: IntegrationStatusRepository;
  readonly queue: DeliveryQueue;
  readonly logs: DeliveryLogs;
  readonly buckets: RateLimitBuckets;
  readonly deletions: UserDeletions;

  constructor(
    readonly db: Kysely<HostDatabase>,
    readonly engine: Engine,
    /** "SQLite at …" / "PostgreSQL at host:port/db". */
    readonly description: string,
    private readonly inTransaction = false,
  ) {
    this.integrations = new IntegrationRepository(db);
    this.status = new IntegrationStatusRepository(db);
    this.queue = new DeliveryQueue(db, engine);
    this.logs = new DeliveryLogs(db);
    this.buckets = new RateLimitBuckets(db, engine);
    this.deletions = new UserDeletions(db);
  }

  static async open(location: StoreLocation, logger: Logger): Promise<Store> {
    const { db, engine, description } = await openDatabase(location, logger);
    return new Store(db, engine, description);
  }

  /** Runs `work` in one transaction (nested calls join the outer one): all of it commits, or none. */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    return this.db.transaction().execute((trx) => work(new Store(trx, this.engine, this.description, true)));
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

import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from './schema.js';

/**
 * The one migration set, for both engines. Applied in name order by Kysely's migrator (on PostgreSQL
 * under its advisory lock, so instances started together migrate once). Never edit a migration that
 * has shipped: add the next one.
 */
export function migrations(engine: Engine): Record<string, Migration> {
  /** An auto-numbered primary key: `bigserial` on PostgreSQL, SQLite's rowid alias elsewhere. */
  const autoId = (db: Kysely<any>, table: string) =>
    engine === 'postgres'
      ? db.schema.createTable(table).ifNotExists().addColumn('id', 'bigserial', (c) => c.primaryKey())
      : db.schema.createTable(table).ifNotExists().addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  return {
    // The schema of the first release (SQLite `user_version` 1): a data directory from then opens as is.
    '0001_initial': {
      async up(db) {
        await db.schema
          .createTable('integrations')
          .ifNotExists()
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('catalog_key', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('variant', 'text', (c) => c.notNull())
          .addColumn('delivery_mode', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('config_json', 'text', (c) => c.notNull())
          .addColumn('secrets_json', 'text', (c) => c.notNull())
          .addColumn('blueprint_json', 'text', (c) => c.notNull())
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('revisions')
          .ifNotExists()
          .addColumn('integration_id', 'text', (c) => c.notNull())
          .addColumn('revision_number', 'integer', (c) => c.notNull())
          .addColumn('config_json', 'text', (c) => c.notNull())
          .addColumn('secrets_json', 'text', (c) => c.notNull())
          .addColumn('blueprint_json', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('delivery_mode', 'text', (c) => c.notNull())
          .addColumn('change_summary', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('revisions_pk', ['integration_id', 'revision_number'])
          .execute();
        await autoId(db, 'queue')
          .addColumn('integration_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('event_json', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('accepted_at', 'bigint', (c) => c.notNull())
          .addColumn('last_status', 'text')
          .addColumn('last_code', 'text')
          .addColumn('last_error', 'text')
          .addColumn('last_http_status', 'integer')
          .addColumn('dead_at', 'bigint')
          .addUniqueConstraint('queue_integration_message', ['integration_id', 'message_id'])
          .execute();
        await db.schema.createIndex('queue_due').ifNotExists().on('queue').columns(['integration_id', 'state', 'next_attempt_at', 'id']).execute();
        await autoId(db, 'delivery_logs')
          .addColumn('integration_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text')
          .addColumn('event_name', 'text')
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('http_status', 'integer')
          .addColumn('code', 'text')
          .addColumn('message', 'text')
          .addColumn('response', 'text')
          .addColumn('warnings_json', 'text', (c) => c.notNull())
          .addColumn('duration_ms', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('delivery_logs_by_integration').ifNotExists().on('delivery_logs').columns(['integration_id', 'id']).execute();
        await db.schema.createIndex('delivery_logs_by_message').ifNotExists().on('delivery_logs').columns(['integration_id', 'message_id']).execute();
      },
    },

    // Cluster mode and the operator's tools: leases, shared status and buckets, richer delivery logs.
    '0002_cluster_and_operator_views': {
      async up(db) {
        await db.schema.alterTable('revisions').addColumn('name', 'text').execute();
        for (const [column, type] of [
          ['lease_owner', 'text'],
          ['lease_expires_at', 'bigint'],
          ['user_id', 'text'],
          ['anonymous_id', 'text'],
        ] as const) {
          await db.schema.alterTable('queue').addColumn(column, type).execute();
        }
        // Expired leases are found by time, among the few rows in flight.
        await db.schema.createIndex('queue_leases').on('queue').column('lease_expires_at').where(sql.ref('state'), '=', 'inflight').execute();

        for (const column of ['user_id', 'anonymous_id', 'event_json', 'calls_json', 'instance_id']) {
          await db.schema.alterTable('delivery_logs').addColumn(column, 'text').execute();
        }
        // The status filter of the delivery logs walks this index instead of every row of the integration.
        await db.schema.createIndex('delivery_logs_by_status').on('delivery_logs').columns(['integration_id', 'status', 'id']).execute();

        await db.schema
          .createTable('integration_status')
          .addColumn('integration_id', 'text', (c) => c.primaryKey())
          .addColumn('paused_code', 'text')
          .addColumn('paused_message', 'text')
          .addColumn('paused_at', 'bigint')
          .addColumn('backoff_until', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('failing_since', 'bigint')
          .addColumn('failure_code', 'text')
          .addColumn('failure_message', 'text')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('delivery_counts')
          .addColumn('integration_id', 'text', (c) => c.notNull())
          .addColumn('minute', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('delivery_counts_pk', ['integration_id', 'minute', 'status'])
          .execute();

        await db.schema
          .createTable('rate_limit_buckets')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('capacity', 'double precision', (c) => c.notNull())
          .addColumn('window_ms', 'double precision', (c) => c.notNull())
          .addColumn('tokens', 'double precision', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('wanted', 'double precision', (c) => c.notNull())
          .addColumn('granted', 'double precision', (c) => c.notNull())
          .addColumn('promised_until', 'double precision', (c) => c.notNull())
          .addColumn('full_take_at', 'bigint')
          .execute();

        await db.schema
          .createTable('user_deletions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('integration_id', 'text', (c) => c.notNull())
          .addColumn('identities_json', 'text', (c) => c.notNull())
          .addColumn('anonymous_ids_json', 'text', (c) => c.notNull())
          .addColumn('users', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('parts_json', 'text', (c) => c.notNull())
          .addColumn('message', 'text')
          .addColumn('requested_by', 'text', (c) => c.notNull())
          .addColumn('requested_at', 'text', (c) => c.notNull())
          .addColumn('completed_at', 'text')
          .addColumn('events_dropped', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_poll_at', 'bigint', (c) => c.notNull())
          .addColumn('polls', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('user_deletions_by_integration').on('user_deletions').columns(['integration_id', 'requested_at']).execute();
        await db.schema.createIndex('user_deletions_due').on('user_deletions').columns(['status', 'next_poll_at']).execute();
      },
    },
    '0003_oldest_waiting_and_key_check': {
      async up(db) {
        // Waiting events whose turn was moved later (a retry, a rate limit, a pause), by acceptance: with the
        // due index this finds the oldest waiting event in two seeks. A new event (due when accepted) is not in it.
        await db.schema.createIndex('queue_rescheduled').on('queue').columns(['integration_id', 'accepted_at']).where(sql<boolean>`state = 'pending' and next_attempt_at > accepted_at`).execute();
        // One value sealed with the secret key of the first instance: every instance opens it at start, so
        // one started with another key is refused instead of running without the stored API keys.
        await db.schema
          .createTable('secret_key_check')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('sealed', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0004_data_quality': {
      async up(db) {
        // Per integration, hour, warning code, event and property: how many events that change hit, and a
        // few of their messageIds. The data-quality view reads a day of it, whatever the log volume.
        await db.schema
          .createTable('data_quality')
          .addColumn('integration_id', 'text', (c) => c.notNull())
          .addColumn('hour', 'bigint', (c) => c.notNull())
          .addColumn('code', 'text', (c) => c.notNull())
          .addColumn('event_name', 'text', (c) => c.notNull())
          .addColumn('property', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('samples_json', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('data_quality_pk', ['integration_id', 'hour', 'code', 'event_name', 'property'])
          .execute();
      },
    },
    '0005_event_payloads': {
      async up(db) {
        // Each event stored once, keyed by its queue row's id: claims and settles then rewrite small rows,
        // and a delivery log refers to the event instead of copying it on every attempt.
        await db.schema
          .createTable('event_payloads')
          // On SQLite only `integer primary key` is the rowid itself (one b-tree, no index beside it).
          .addColumn('id', engine === 'postgres' ? 'bigint' : 'integer', (c) => c.primaryKey())
          .addColumn('json', 'text', (c) => c.notNull())
          .execute();
        await sql`insert into event_payloads (id, json) select id, event_json from queue`.execute(db);
        await db.schema.alterTable('queue').dropColumn('event_json').execute();
        // Logs written before keep their own copy in event_json (a log appended without a stored event too).
        await db.schema.alterTable('delivery_logs').addColumn('payload_id', 'bigint').execute();
        // Whether any log still refers to a payload, when a queue row or a log goes.
        await db.schema.createIndex('delivery_logs_by_payload').on('delivery_logs').column('payload_id').where(sql.ref('payload_id'), 'is not', null).execute();
      },
    },
    '0006_log_revision': {
      async up(db) {
        // The integration revision an attempt ran under: a delivered event's calls are recomputed from
        // its stored event under that revision instead of being copied into every log.
        await db.schema.alterTable('delivery_logs').addColumn('revision', 'integer').execute();
      },
    },
  };
}

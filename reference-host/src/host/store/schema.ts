import type { Generated } from 'kysely';
import type { RateLimitBucketTable } from '../../common/pacing/rate-limit-buckets.js';

/** The two databases the host runs on. */
export type Engine = 'sqlite' | 'postgres';

/**
 * The host's tables as Kysely sees them, one engine or the other. Times the host computes with are
 * milliseconds since the epoch (bigint on PostgreSQL, parsed to numbers); times it only shows are ISO text.
 */
export interface HostDatabase {
  integrations: IntegrationTable;
  revisions: RevisionTable;
  integration_status: IntegrationStatusTable;
  queue: QueueTable;
  event_payloads: EventPayloadTable;
  delivery_logs: DeliveryLogTable;
  delivery_counts: DeliveryCountTable;
  data_quality: DataQualityTable;
  rate_limit_buckets: RateLimitBucketTable;
  user_deletions: UserDeletionTable;
  secret_key_check: SecretKeyCheckTable;
}

export interface IntegrationTable {
  id: string;
  catalog_key: string;
  name: string;
  variant: string;
  delivery_mode: string;
  enabled: number;
  /** Non-secret config fields, JSON. */
  config_json: string;
  /** Secret config fields, each sealed with AES-256-GCM, JSON. */
  secrets_json: string;
  blueprint_json: string;
  revision: number;
  created_at: string;
  updated_at: string;
}

export interface RevisionTable {
  integration_id: string;
  revision_number: number;
  config_json: string;
  secrets_json: string;
  blueprint_json: string;
  enabled: number;
  delivery_mode: string;
  change_summary: string;
  created_at: string;
  /** The integration's name at this revision (null for revisions stored before names were kept). */
  name: string | null;
}

/** What delivery learned about an integration, shared by every instance: paused, or backing off. */
export interface IntegrationStatusTable {
  integration_id: string;
  /** An installation-level code (invalid credentials, endpoint not found): delivery holds until the config changes. */
  paused_code: string | null;
  paused_message: string | null;
  paused_at: number | null;
  /** The vendor looked down: no instance claims before this time. */
  backoff_until: number;
  consecutive_failures: number;
  /** When the current run of failed batches began (null while the vendor answers). */
  failing_since: number | null;
  /** Why the last batch failed: its code and message (null while the vendor answers). */
  failure_code: string | null;
  failure_message: string | null;
  updated_at: number;
}

export interface QueueTable {
  id: Generated<number>;
  integration_id: string;
  message_id: string;
  /** pending | inflight | dead */
  state: string;
  attempts: number;
  /** When the event may be claimed next; for a new event its acceptance time. */
  next_attempt_at: number;
  accepted_at: number;
  last_status: string | null;
  last_code: string | null;
  last_error: string | null;
  last_http_status: number | null;
  dead_at: number | null;
  /** The instance whose claim this is, until `lease_expires_at`; then any instance may claim it again. */
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** The event's ids, so a user deletion finds its waiting events without reading every payload. */
  user_id: string | null;
  anonymous_id: string | null;
}

export interface DeliveryLogTable {
  id: Generated<number>;
  integration_id: string;
  message_id: string;
  event_type: string | null;
  event_name: string | null;
  attempt: number;
  status: string;
  http_status: number | null;
  code: string | null;
  message: string | null;
  response: string | null;
  warnings_json: string;
  duration_ms: number;
  created_at: string;
  user_id: string | null;
  anonymous_id: string | null;
  /** The event as it was received, when the log keeps its own copy (logs written before 0005). */
  event_json: string | null;
  /** The stored event this log is of (event_payloads.id), when it refers to one instead of copying it. */
  payload_id: number | null;
  /** The vendor calls it became (SentCall[]), JSON, as sent: kept for attempts that did not end delivered. */
  calls_json: string | null;
  instance_id: string | null;
  /** The integration revision the attempt ran under (logs written before 0006 have none). */
  revision: number | null;
}

/**
 * An event as received, stored once: keyed by the id of the queue row it came in as, it lives while
 * that row or any delivery log refers to it.
 */
export interface EventPayloadTable {
  id: number;
  json: string;
}

/** Per integration, minute and outcome: how many events ended that way (the overview charts). */
export interface DeliveryCountTable {
  integration_id: string;
  minute: number;
  status: string;
  count: number;
}

/**
 * Per integration, hour, warning code, event and property: how many delivered or finished events a
 * plugin's change hit, and up to a few of their messageIds (newest first, JSON).
 */
export interface DataQualityTable {
  integration_id: string;
  /** The hour's start, ms since the epoch. */
  hour: number;
  code: string;
  /** A track event's or page's name, else the event's type; '' when it has none. */
  event_name: string;
  /** '' when the warning names no property. */
  property: string;
  count: number;
  samples_json: string;
}

/** requested: not yet with the vendor; pending: the vendor is deleting; complete; failed. */
export type DeletionStatus = 'requested' | 'pending' | 'complete' | 'failed';

export interface UserDeletionTable {
  id: string;
  integration_id: string;
  identities_json: string;
  anonymous_ids_json: string;
  users: number;
  status: DeletionStatus;
  /** The vendor's deletion requests: [{requestId, users, status}] and failures, JSON. */
  parts_json: string;
  message: string | null;
  requested_by: string;
  requested_at: string;
  completed_at: string | null;
  events_dropped: number;
  next_poll_at: number;
  polls: number;
}

/** One row (id 1): a known value sealed with the cluster's secret key (see host/secret-key-check.ts). */
export interface SecretKeyCheckTable {
  id: number;
  sealed: string;
  created_at: string;
}

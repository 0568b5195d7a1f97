import { z } from 'zod';
import { CatalogManifestSchema, DELIVERY_CODES, DELIVERY_STATUSES, IncomingEventSchema, VendorCallSchema } from '@datafly/heap-integration/contract';
import { InstallRequestSchema, UpdateRequestSchema } from '../integrations/requests.js';
import { UserDeletionRequestSchema } from '../privacy/user-deletions.js';
import { checkedByHandler } from './validation.js';

/**
 * The shapes of the Management API and ingestion, as zod: the routes' query and path checks, and
 * the source of the OpenAPI document at /v1/openapi.json (one source for both).
 */

export const FieldIssueSchema = z.object({ field: z.string(), message: z.string() });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, machine-readable: invalid_request, unauthorized, not_found, ...' }),
      message: z.string().meta({ description: 'One sentence a person can act on; never a secret' }),
      fields: z.array(FieldIssueSchema).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const errors = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema } as const;

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable(), has_more: z.boolean() });
}

export const PagingQuery = z.object({
  cursor: z.string().optional().meta({ description: 'next_cursor of the previous page' }),
  limit: z.coerce.number({ message: 'must be a whole number from 1 to 100' }).int('must be a whole number from 1 to 100').min(1, 'must be a whole number from 1 to 100').max(100, 'must be a whole number from 1 to 100').default(50),
});

export const IdParams = z.object({ id: z.string().min(1) });

export const DeliveryStateSchema = z
  .object({
    state: z.enum(['running', 'paused', 'backing_off', 'disabled']),
    code: z.string().optional().meta({ description: 'paused: why (invalid_credentials, endpoint_not_found, tls_error); backing_off: the last failure (network_error, timeout, server_error, rate_limited)' }),
    message: z.string().optional(),
    since: z.string().optional(),
    until: z.string().optional().meta({ description: 'backing_off: no batch is tried before this time' }),
    consecutive_failures: z.number().optional(),
  })
  .meta({ id: 'DeliveryState', description: 'How delivery of this integration stands, shared by every instance' });

export const CredentialsCheckSchema = z
  .object({
    state: z.enum(['passed', 'failed', 'unverified', 'checking']),
    code: z.string().optional(),
    message: z.string(),
    http_status: z.number().int().optional(),
  })
  .meta({
    id: 'CredentialsCheck',
    description:
      'Install, a config change and a restore ask the vendor about the stored credentials at once. failed: the vendor refused them and delivery is paused (events held) until a config edit or a passing connection test; unverified: the vendor could not be asked, delivery runs; checking: no answer yet, a refusal will still pause delivery',
  });

export const InstallationSummarySchema = z
  .object({
    facts: z.array(z.object({ label: z.string(), value: z.string() })).meta({ description: 'Where events go (account, region, endpoint), under the vendor\'s labels' }),
    destination: z.string().meta({ description: 'The same in a phrase for sentences ("sends to <vendor> …")' }),
    help: z.string().optional().meta({ description: 'One line of advice under the facts' }),
    allowance: z.string().optional().meta({ description: 'The heading over the app-wide rate limits' }),
    endpoint: z.string().optional().meta({ description: 'The base URL calls go to, when the installation chose it' }),
  })
  .meta({ id: 'InstallationSummary', description: "What to show about the installation, in the plugin's words, made from the config with secrets masked (never a secret)" });

export const IntegrationSchema = z
  .object({
    id: z.string(),
    catalog_key: z.string(),
    name: z.string(),
    variant: z.string(),
    delivery_mode: z.string(),
    enabled: z.boolean(),
    config: z.record(z.string(), z.unknown()).meta({ description: 'Secret fields are shown as ********' }),
    summary: InstallationSummarySchema,
    connection_test: z.boolean().meta({ description: 'Whether the plugin offers a connection test (test-connection answers 409 when it does not)' }),
    blueprint: z.record(z.string(), z.unknown()),
    revision: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    delivery: DeliveryStateSchema,
    credentials_check: CredentialsCheckSchema.optional().meta({ description: 'Only in the answer to an install, a config change or a restore' }),
  })
  .meta({ id: 'Integration' });

export const RevisionSchema = z
  .object({
    revision_number: z.number().int(),
    name: z.string().nullable(),
    config: z.record(z.string(), z.unknown()),
    blueprint: z.record(z.string(), z.unknown()),
    enabled: z.boolean(),
    delivery_mode: z.string(),
    change_summary: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'Revision' });

export const CatalogEntrySchema = CatalogManifestSchema.and(z.object({ installed: z.number().int().meta({ description: 'How many integrations of this entry are installed' }) })).meta({ id: 'CatalogEntry' });

export const CatalogEntryDetailSchema = CatalogManifestSchema.and(
  z.object({
    config_schema: z.record(z.string(), z.unknown()).meta({ description: 'The config as JSON Schema' }),
    default_blueprints: z.record(z.string(), z.record(z.string(), z.unknown())).meta({ description: 'The default blueprint of each variant' }),
  }),
).meta({ id: 'CatalogEntryDetail' });

export const DeliveryLogSchema = z
  .object({
    id: z.number().int(),
    integration_id: z.string(),
    message_id: z.string(),
    event_type: z.string().nullable(),
    event_name: z.string().nullable(),
    attempt: z.number().int(),
    status: z.enum(DELIVERY_STATUSES),
    http_status: z.number().int().nullable(),
    code: z.enum(DELIVERY_CODES).nullable(),
    message: z.string().nullable(),
    response: z.string().nullable().meta({ description: "The vendor's answer, first 1024 characters" }),
    warnings: z.array(z.string()),
    duration_ms: z.number().int(),
    created_at: z.string(),
    user_id: z.string().nullable(),
    anonymous_id: z.string().nullable(),
    instance_id: z.string().nullable(),
    revision: z.number().int().nullable().meta({ description: 'The integration revision the attempt ran under' }),
  })
  .meta({ id: 'DeliveryLog' });

export const DeliveryLogQuery = PagingQuery.extend({
  status: z.enum(DELIVERY_STATUSES, { message: `must be one of ${DELIVERY_STATUSES.join(', ')}` }).optional(),
  message_id: z.string().optional(),
  event_name: z.string().optional(),
  user: z.string().optional().meta({ description: 'A userId or anonymousId' }),
});

export const EventTraceSchema = z
  .object({
    message_id: z.string(),
    event: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The event as received' }),
    calls: z
      .array(VendorCallSchema.extend({ items: z.number().int().positive().optional().meta({ description: 'How many items the real request carried (kept with calls as sent)' }) }))
      .meta({ description: 'The vendor requests it became (this event as the only item of each bulk)' }),
    calls_source: z.enum(['as_sent', 'recomputed']).meta({
      description:
        '`as_sent`: copies of the requests of its latest attempt that has them. `recomputed`: it was delivered, and delivered attempts keep no copy: the requests are recomputed from the stored event under the revision it was delivered with (`calls_revision`)',
    }),
    calls_revision: z.number().int().nullable().meta({ description: 'The integration revision the calls were made under (null for logs written before revisions were recorded)' }),
    calls_note: z.string().optional().meta({ description: 'Why a delivered event shows no requests (its revision is gone, or its plugin could not recompute them)' }),
    attempts: z.array(DeliveryLogSchema),
  })
  .meta({ id: 'EventTrace', description: "One event's path: as received, the vendor request it became, every answer" });

export const DeadLetterSchema = z
  .object({
    message_id: z.string(),
    event: z.record(z.string(), z.unknown()),
    attempts: z.number().int(),
    status: z.string().nullable(),
    code: z.string().nullable(),
    reason: z.string().nullable(),
    http_status: z.number().int().nullable(),
    accepted_at: z.string(),
    dead_at: z.string(),
  })
  .meta({ id: 'DeadLetter' });

export const ReplayRequestSchema = z
  .union([z.strictObject({ message_ids: z.array(z.string()).min(1).max(10_000) }), z.strictObject({ all: z.literal(true) })])
  .meta({ id: 'ReplayRequest', description: '{"message_ids": [...]} replays those; {"all": true} (or no body) replays every dead letter' });

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    version: z.string(),
    uptime_s: z.number(),
    engine: z.enum(['sqlite', 'postgres']),
    instance_id: z.string(),
    database: z.enum(['ok', 'unreachable']),
  })
  .meta({ id: 'Health' });

export const HostSchema = z
  .object({
    version: z.string(),
    instance_id: z.string(),
    engine: z.enum(['sqlite', 'postgres']),
    delivery_log_retention_days: z.number().int(),
    retry_schedule_ms: z.array(z.number()),
    retry_window_ms: z.number().meta({ description: 'How long an event may wait without an attempt while its integration is paused or its vendor down, before it goes to the dead letters' }),
    lease_ms: z.number(),
    rate_limits: z.boolean(),
    rate_limit_scale: z.number(),
    delivery_thread: z.boolean().meta({ description: 'Delivery runs in a worker thread of its own (DATAFLY_DELIVERY_THREAD)' }),
  })
  .meta({ id: 'Host' });

export const ConnectionTestSchema = z
  .object({
    ok: z.boolean(),
    code: z.string().optional(),
    message: z.string(),
    http_status: z.number().int().optional(),
    resumed: z.boolean().optional().meta({ description: 'The test passed and delivery, paused until now, resumed' }),
    paused: z.boolean().optional().meta({ description: 'The vendor refused the credentials or endpoint and delivery, running until now, is paused' }),
  })
  .meta({ id: 'ConnectionTest' });

export const IngestBatchSchema = checkedByHandler(
  z.object({ batch: z.array(IncomingEventSchema).max(1000) }).meta({ id: 'IngestBatch', description: 'At most 1000 events; each is checked on its own and answered per item' }),
);
export const IngestEventSchema = checkedByHandler(IncomingEventSchema);

export const IngestAnswerSchema = z
  .object({
    accepted: z.number().int().meta({ description: 'Valid events, durable in the queue (or already there) for every integration counted in queued_for_integrations; when that is 0, nothing was queued (see warning)' }),
    rejected: z.array(z.object({ index: z.number().int(), field: z.string(), reason: z.string() })),
    duplicates: z.array(z.object({ index: z.number().int(), messageId: z.string(), reason: z.string() })),
    events: z.array(z.object({ index: z.number().int(), messageId: z.string() })),
    queued_for_integrations: z.number().int(),
    disabled_integrations: z.number().int().optional().meta({ description: 'Installed integrations that are disabled and took none of these events' }),
    warning: z.string().optional(),
    unread_fields: z
      .array(z.object({ index: z.number().int(), field: z.string(), reason: z.string() }))
      .optional()
      .meta({ description: 'Top-level keys of accepted events that look like a misspelled event field ("propertes"): kept as sent, but nothing reads them' }),
  })
  .meta({ id: 'IngestAnswer' });

/** Bodies the handlers check themselves, documented by the schemas they check with. */
export const InstallBody = checkedByHandler(InstallRequestSchema);
export const UpdateBody = checkedByHandler(UpdateRequestSchema);
export const ReplayBody = checkedByHandler(ReplayRequestSchema);
export const UserDeletionBody = checkedByHandler(UserDeletionRequestSchema);

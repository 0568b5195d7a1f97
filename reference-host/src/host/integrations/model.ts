import type { Blueprint } from '@datafly/heap-integration/contract';
import type { SecretBox } from '../secrets.js';
import type { IntegrationStatusRow } from '../store/integration-status.js';
import type { IntegrationRow } from '../store/integrations.js';
import { openConfig } from './config.js';

/** An installed integration as the rest of the host uses it: config with secrets opened. */
export interface Integration {
  id: string;
  catalogKey: string;
  name: string;
  variant: string;
  deliveryMode: string;
  enabled: boolean;
  config: Record<string, unknown>;
  blueprint: Blueprint;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

/** What delivery learned about an integration, as every instance sees it. */
export interface DeliveryStatus {
  paused?: { code: string; message: string; since: number };
  backoffUntil: number;
  consecutiveFailures: number;
  /** When the current run of failed batches began, and why the last one failed. */
  failingSince?: number;
  failure?: { code: string; message: string };
}

export const RUNNING: DeliveryStatus = { backoffUntil: 0, consecutiveFailures: 0 };

export function toIntegration(row: IntegrationRow, box: SecretBox): Integration {
  return {
    id: row.id,
    catalogKey: row.catalog_key,
    name: row.name,
    variant: row.variant,
    deliveryMode: row.delivery_mode,
    enabled: row.enabled === 1,
    config: openConfig(row, box),
    blueprint: JSON.parse(row.blueprint_json) as Blueprint,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toStatus(row: IntegrationStatusRow | undefined): DeliveryStatus {
  if (!row) return RUNNING;
  return {
    paused: row.paused_code ? { code: row.paused_code, message: row.paused_message ?? '', since: Number(row.paused_at ?? 0) } : undefined,
    backoffUntil: Number(row.backoff_until),
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since === null ? undefined : Number(row.failing_since),
    failure: row.failure_code ? { code: row.failure_code, message: row.failure_message ?? '' } : undefined,
  };
}

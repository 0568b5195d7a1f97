import type { IntegrationPlugin } from '@datafly/heap-integration/contract';
import type { RevisionRow } from '../store/integrations.js';
import { maskConfig, SECRET_MASK } from './config.js';
import type { DeliveryStatus, Integration } from './model.js';
import { installationSummary, offersConnectionTest } from './summary.js';

/** How delivery stands, in one word an operator can act on, with the reason when there is one. */
export function deliveryState(integration: Pick<Integration, 'enabled'>, status: DeliveryStatus, now: number) {
  if (!integration.enabled) return { state: 'disabled' as const };
  if (status.paused) {
    return { state: 'paused' as const, code: status.paused.code, message: status.paused.message, since: new Date(status.paused.since).toISOString() };
  }
  if (status.backoffUntil > now) {
    return {
      state: 'backing_off' as const,
      until: new Date(status.backoffUntil).toISOString(),
      consecutive_failures: status.consecutiveFailures,
      ...(status.failure ? { code: status.failure.code, message: status.failure.message } : {}),
    };
  }
  return { state: 'running' as const };
}

/** The answer shape of an integration: every secret field shown as the mask, the plugin's summary of it made from the masked config. */
export function presentIntegration(integration: Integration, plugin: IntegrationPlugin | undefined, status: DeliveryStatus, now: number) {
  const config = maskConfig(plugin, integration.config);
  return {
    id: integration.id,
    catalog_key: integration.catalogKey,
    name: integration.name,
    variant: integration.variant,
    delivery_mode: integration.deliveryMode,
    enabled: integration.enabled,
    config,
    summary: installationSummary(plugin, config),
    connection_test: offersConnectionTest(plugin, integration),
    blueprint: integration.blueprint,
    revision: integration.revision,
    created_at: integration.createdAt,
    updated_at: integration.updatedAt,
    delivery: deliveryState(integration, status, now),
  };
}

export function presentRevision(plugin: IntegrationPlugin | undefined, revision: RevisionRow) {
  const sealed = JSON.parse(revision.secrets_json) as Record<string, string>;
  const config = { ...JSON.parse(revision.config_json), ...Object.fromEntries(Object.keys(sealed).map((k) => [k, SECRET_MASK])) };
  return {
    revision_number: revision.revision_number,
    name: revision.name,
    config: maskConfig(plugin, config),
    blueprint: JSON.parse(revision.blueprint_json),
    enabled: revision.enabled === 1,
    delivery_mode: revision.delivery_mode,
    change_summary: revision.change_summary,
    created_at: revision.created_at,
  };
}

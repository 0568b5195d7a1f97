import { createHmac } from 'node:crypto';
import { ContainerModule, injectable } from 'inversify';
import { z } from 'zod';
import type { AdapterContext, Blueprint, BlueprintInput, CatalogManifest, DataflyEvent, DeliveryAdapter, DeliveryResult, EventWarning, InstallationSummary, IntegrationPlugin, PreviewResult } from '@datafly/heap-integration/contract';
import { BlueprintSchema, INTEGRATION_PLUGIN, mapEvent, resultWarnings } from '@datafly/heap-integration/contract';

/**
 * A second destination written only against src/contract: each event mapped by its blueprint with the
 * contract's mapping kit, POSTed as JSON to a URL, signed. Manifest, config schema, blueprint options,
 * the calls and a summary for the page; nothing of the mapping is its own. It keys no rate limit (the
 * contract's `rateLimitKey` is optional) and offers no user deletion.
 */
const manifest: CatalogManifest = {
  key: 'webhook', name: 'Webhook', description: 'POSTs each event as JSON to a URL of yours, signed with a shared secret.', website: 'https://example.com/webhook',
  category: 'other', status: 'beta', delivery_modes: ['server_side'], consent_categories: [], rate_limits: [], capabilities: [],
  config_fields: [{ key: 'url', label: 'URL', type: 'url', required: true }, { key: 'secret', label: 'Signing secret', type: 'secret', required: true }],
  variants: [{ key: 'default', name: 'Default', description: 'Every event: its ids, time and objects; orders with a summary line', default_config: {} }],
  batching: { max_events: 100, max_wait_ms: 0, max_bytes: 1_000_000 },
};
const WebhookConfigSchema = z.object({ url: z.url({ message: 'must be an http(s) URL' }), secret: z.string().min(8, 'must be at least 8 characters') });
const WebhookOptionsSchema = z.object({ method: z.enum(['POST', 'PUT']).default('POST'), signature_header: z.string().min(1).default('x-webhook-signature') });
export type WebhookConfig = z.infer<typeof WebhookConfigSchema>;

/** The webhook's own blueprint: ids and time as received, the event's objects under their names; orders get a summary. */
const DEFAULT_BLUEPRINT: BlueprintInput = {
  version: 2, integration: 'webhook', variant: 'default', delivery_mode: 'server_side',
  global: { mappings: ['messageId', 'type', 'userId', 'anonymousId', 'timestamp'].map((field) => ({ source: field, target: field })) },
  defaults: { action: 'passthrough', mappings: ['properties', 'traits', 'context'].map((field) => ({ source: field, target: field })) },
  events: {
    'Order Completed': {
      vendor_event_name: 'order.completed',
      mappings: [
        { source: 'properties.order_id', target: 'order_id', transform: 'to_string' },
        { source: 'properties.revenue', target: 'revenue', transform: 'to_number' },
        { template: 'Order {{properties.order_id}} for {{properties.revenue}}', target: 'summary' },
      ],
    },
  },
};

/** One event as the webhook sends it: the blueprint's payload under the event's name, or why it is not sent. */
type WebhookCall = { send: true; body: string; warnings: EventWarning[] } | { send: false; reason: string };

/** How many adapters were built: the host must check a blueprint's options without building one. */
export const webhookAdapters = { built: 0 };

class WebhookAdapter implements DeliveryAdapter {
  private readonly options: z.infer<typeof WebhookOptionsSchema>;
  constructor(private readonly config: WebhookConfig, private readonly blueprint: Blueprint) {
    this.options = WebhookOptionsSchema.parse(blueprint.options);
    webhookAdapters.built++;
  }
  private call(event: DataflyEvent): WebhookCall {
    const mapped = mapEvent(this.blueprint, event);
    if (mapped.action === 'drop') return { send: false, reason: mapped.reason };
    return { send: true, body: JSON.stringify({ event: mapped.vendorName, ...mapped.payload }), warnings: mapped.warnings };
  }
  private request(body: string) {
    return { method: this.options.method, url: this.config.url, body, headers: { 'content-type': 'application/json', [this.options.signature_header]: createHmac('sha256', this.config.secret).update(body).digest('hex') } };
  }
  async deliver(events: readonly DataflyEvent[]): Promise<DeliveryResult[]> {
    return Promise.all(events.map(async (event): Promise<DeliveryResult> => {
      const call = this.call(event);
      if (!call.send) return { messageId: event.messageId, status: 'filtered', code: 'not_mapped', message: call.reason, warnings: [] };
      const { method, url, body, headers } = this.request(call.body);
      const base = { messageId: event.messageId, ...resultWarnings(call.warnings), requests: 1, calls: [{ method, url, body, items: 1 }] };
      try {
        const answer = await fetch(url, { method, headers, body });
        const response = (await answer.text()).slice(0, 1024);
        if (answer.ok) return { ...base, status: 'delivered', httpStatus: answer.status, response };
        if (answer.status < 500) return { ...base, status: 'failed', httpStatus: answer.status, code: 'rejected', message: `the webhook answered ${answer.status}`, response };
        return { ...base, status: 'retryable', httpStatus: answer.status, code: 'server_error', message: `the webhook answered ${answer.status}`, response };
      } catch (error) {
        return { ...base, status: 'retryable', code: 'network_error', message: `the webhook could not be reached: ${(error as Error).message}` };
      }
    }));
  }
  preview(events: readonly DataflyEvent[]) {
    const requests: { method: string; url: string; body: string }[] = [];
    const results = events.map((event): PreviewResult => {
      const call = this.call(event);
      if (!call.send) return { messageId: event.messageId, status: 'filtered', code: 'not_mapped', message: call.reason, warnings: [], requests: [] };
      const { method, url, body } = this.request(call.body);
      requests.push({ method, url, body });
      return { messageId: event.messageId, status: 'send', warnings: call.warnings.map((w) => w.message), requests: [requests.length - 1] };
    });
    return { requests, results };
  }
  async testConnection() {
    try {
      const answer = await fetch(this.config.url, { method: 'HEAD' });
      return answer.ok ? { ok: true, httpStatus: answer.status, message: `the webhook answered ${answer.status}` } : { ok: false, code: 'unexpected_status' as const, httpStatus: answer.status, message: `the webhook answered ${answer.status}` };
    } catch (error) {
      return { ok: false, code: 'network_error' as const, message: `the webhook could not be reached: ${(error as Error).message}` };
    }
  }
  async close() {}
}

@injectable()
export class WebhookPlugin implements IntegrationPlugin<WebhookConfig, z.infer<typeof WebhookOptionsSchema>> {
  readonly manifest = manifest;
  readonly configSchema = WebhookConfigSchema;
  readonly blueprintOptionsSchema = WebhookOptionsSchema;
  defaultBlueprint(): Blueprint {
    return BlueprintSchema.parse(DEFAULT_BLUEPRINT);
  }
  createAdapter(context: AdapterContext<WebhookConfig>): DeliveryAdapter {
    return new WebhookAdapter(WebhookConfigSchema.parse(context.config), context.blueprint);
  }
  describeInstallation(config: Record<string, unknown>): InstallationSummary {
    const url = String(config.url);
    return { facts: [{ label: 'URL', value: url }], destination: `at ${url}` };
  }
}

export const webhookModule = new ContainerModule(({ bind }) => {
  bind(INTEGRATION_PLUGIN).to(WebhookPlugin).inSingletonScope();
});

/**
 * The webhook with none of the adapter's optional methods and an app-wide limit of its own: what the
 * host does for a plugin that offers no connection test and keys no rate limit.
 */
@injectable()
export class BareWebhookPlugin extends WebhookPlugin {
  override readonly manifest: CatalogManifest = {
    ...manifest,
    key: 'bare-webhook',
    name: 'Bare webhook',
    rate_limits: [{ name: 'calls_per_account', description: 'Calls per day', scope: 'app', unit: 'events', limit: 500, window_ms: 86_400_000 }],
  };
  override defaultBlueprint(): Blueprint {
    return { ...super.defaultBlueprint(), integration: 'bare-webhook' };
  }
  override createAdapter(context: AdapterContext<WebhookConfig>): DeliveryAdapter {
    const adapter = super.createAdapter(context);
    return { deliver: (events) => adapter.deliver(events), preview: (events) => adapter.preview(events), close: () => adapter.close() };
  }
}

export const bareWebhookModule = new ContainerModule(({ bind }) => {
  bind(INTEGRATION_PLUGIN).to(BareWebhookPlugin).inSingletonScope();
});

/**
 * The webhook whose preview fails with its signing secret in the error: a plugin careless with its
 * words. Delivery works; whatever it says when it fails must reach no answer and no log of the host.
 */
@injectable()
export class CarelessWebhookPlugin extends WebhookPlugin {
  override readonly manifest: CatalogManifest = { ...manifest, key: 'careless-webhook', name: 'Careless webhook' };
  override defaultBlueprint(): Blueprint {
    return { ...super.defaultBlueprint(), integration: 'careless-webhook' };
  }
  override createAdapter(context: AdapterContext<WebhookConfig>): DeliveryAdapter {
    const adapter = super.createAdapter(context);
    return {
      deliver: (events) => adapter.deliver(events),
      preview: () => {
        // With a status, as errors of HTTP libraries carry one: a host must not take it for its own words to the client.
        throw Object.assign(new Error(`cannot sign a preview with the secret ${context.config.secret}`), { statusCode: 400 });
      },
      close: () => adapter.close(),
    };
  }
}

export const carelessWebhookModule = new ContainerModule(({ bind }) => {
  bind(INTEGRATION_PLUGIN).to(CarelessWebhookPlugin).inSingletonScope();
});

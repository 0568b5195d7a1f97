import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Blueprint, IntegrationPlugin } from '../contract/index.js';
import { BlueprintSchema, fieldIssues, ValidationError } from '../contract/index.js';
import { ApiError, badRequest, notFound } from './errors.js';
import type { PluginRegistry } from './registry.js';
import type { SecretBox } from './secrets.js';
import type { IntegrationRow, IntegrationStore, RevisionRow } from './store/integrations.js';

/** What every API answer shows instead of a secret. */
export const SECRET_MASK = '********';

export const InstallRequestSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  variant: z.string().default('default'),
  config: z.record(z.string(), z.unknown(), { message: 'must be an object' }).default({}),
  delivery_mode: z.string().optional(),
});

export const UpdateRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    config: z.record(z.string(), z.unknown(), { message: 'must be an object' }).optional(),
    blueprint: z.unknown().optional(),
    enabled: z.boolean({ message: 'must be true or false' }).optional(),
    change_summary: z.string().max(500).optional(),
  })
  .strict();

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

/**
 * Install, change and remove integrations. Config is validated by the plugin's own schema; secret
 * fields are sealed before they reach the store and masked in everything this returns to the API.
 */
export class IntegrationService {
  private readonly listeners: ((id: string) => void)[] = [];

  constructor(
    private readonly registry: PluginRegistry,
    private readonly store: IntegrationStore,
    private readonly secrets: SecretBox,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Called with the integration's id after every install, change or removal. */
  onChange(listener: (id: string) => void): void {
    this.listeners.push(listener);
  }

  install(catalogKey: string, body: unknown): Integration {
    const plugin = this.plugin(catalogKey);
    const request = parseRequest(InstallRequestSchema, body);
    const variant = plugin.manifest.variants.find((v) => v.key === request.variant);
    if (!variant) {
      throw badRequest(`variant: "${request.variant}" is not a variant of ${plugin.manifest.name} (known: ${plugin.manifest.variants.map((v) => v.key).join(', ')})`, [
        { field: 'variant', message: `unknown variant "${request.variant}"` },
      ]);
    }
    const deliveryMode = request.delivery_mode ?? plugin.manifest.delivery_modes[0];
    if (!plugin.manifest.delivery_modes.includes(deliveryMode as never)) {
      throw badRequest(`delivery_mode: ${plugin.manifest.name} supports ${plugin.manifest.delivery_modes.join(', ')}, not "${deliveryMode}"`, [
        { field: 'delivery_mode', message: `unsupported delivery mode "${deliveryMode}"` },
      ]);
    }
    const config = this.validateConfig(plugin, { ...variant.default_config, ...request.config });
    const at = this.now().toISOString();
    const row: IntegrationRow = {
      id: `int_${randomBytes(8).toString('hex')}`,
      catalog_key: catalogKey,
      name: request.name ?? plugin.manifest.name,
      variant: variant.key,
      delivery_mode: deliveryMode,
      enabled: 1,
      ...this.split(catalogKey, config),
      blueprint_json: JSON.stringify(plugin.defaultBlueprint(variant.key)),
      revision: 1,
      created_at: at,
      updated_at: at,
    };
    this.store.save(row, `Installed ${plugin.manifest.name} (${variant.name}) from the catalog`);
    this.emit(row.id);
    return this.toIntegration(row);
  }

  update(id: string, body: unknown): Integration {
    const row = this.row(id);
    const plugin = this.plugin(row.catalog_key);
    const request = parseRequest(UpdateRequestSchema, body);
    const changes: string[] = [];
    const next: IntegrationRow = { ...row };
    if (request.name !== undefined && request.name !== row.name) {
      next.name = request.name;
      changes.push('name');
    }
    if (request.enabled !== undefined && Number(request.enabled) !== row.enabled) {
      next.enabled = Number(request.enabled);
      changes.push(request.enabled ? 'enabled' : 'disabled');
    }
    if (request.config !== undefined) {
      const current = this.openConfig(row);
      const patch = Object.fromEntries(Object.entries(request.config).filter(([k, v]) => !(this.registry.secretKeys(row.catalog_key).has(k) && v === SECRET_MASK)));
      const config = this.validateConfig(plugin, { ...current, ...patch });
      Object.assign(next, this.split(row.catalog_key, config));
      changes.push(`config (${Object.keys(patch).sort().join(', ') || 'unchanged'})`);
    }
    if (request.blueprint !== undefined) {
      next.blueprint_json = JSON.stringify(this.validateBlueprint(plugin, request.blueprint, this.openConfig(next)));
      changes.push('blueprint');
    }
    if (changes.length === 0) return this.toIntegration(row);
    next.revision = row.revision + 1;
    next.updated_at = this.now().toISOString();
    this.store.save(next, request.change_summary ?? `Changed ${changes.join(', ')}`);
    this.emit(id);
    return this.toIntegration(next);
  }

  remove(id: string): void {
    if (!this.store.delete(id)) throw notFound(`Integration ${id}`);
    this.emit(id);
  }

  get(id: string): Integration {
    return this.toIntegration(this.row(id));
  }

  /** Undefined when the integration is gone (a scheduler may ask after a delete). */
  find(id: string): Integration | undefined {
    const row = this.store.get(id);
    return row ? this.toIntegration(row) : undefined;
  }

  list(): Integration[] {
    return this.store.list().map((row) => this.toIntegration(row));
  }

  /** The integrations that take events now; cheap enough for every ingestion request. */
  enabledIds(): string[] {
    return this.store.enabledIds();
  }

  revisions(id: string): RevisionRow[] {
    this.row(id);
    return this.store.revisions(id);
  }

  /** The answer shape: every secret field shown as the mask. */
  present(integration: Integration): Record<string, unknown> {
    return {
      id: integration.id,
      catalog_key: integration.catalogKey,
      name: integration.name,
      variant: integration.variant,
      delivery_mode: integration.deliveryMode,
      enabled: integration.enabled,
      config: this.mask(integration.catalogKey, integration.config),
      blueprint: integration.blueprint,
      revision: integration.revision,
      created_at: integration.createdAt,
      updated_at: integration.updatedAt,
    };
  }

  presentRevision(catalogKey: string, revision: RevisionRow): Record<string, unknown> {
    const config = { ...JSON.parse(revision.config_json), ...Object.fromEntries(Object.keys(JSON.parse(revision.secrets_json)).map((k) => [k, SECRET_MASK])) };
    return {
      revision_number: revision.revision_number,
      config: this.mask(catalogKey, config),
      blueprint: JSON.parse(revision.blueprint_json),
      enabled: revision.enabled === 1,
      delivery_mode: revision.delivery_mode,
      change_summary: revision.change_summary,
      created_at: revision.created_at,
    };
  }

  /** Every secret value currently stored, opened: the logger redacts these wherever they appear. */
  secretValues(): string[] {
    return this.store.list().flatMap((row) => Object.values(this.openSecrets(row)).filter((v): v is string => typeof v === 'string' && v.length > 0));
  }

  /** Secrets become the mask; fields come in the manifest's order, so a form and an answer read alike. */
  private mask(catalogKey: string, config: Record<string, unknown>): Record<string, unknown> {
    const secretKeys = this.registry.secretKeys(catalogKey);
    const order = this.registry.get(catalogKey)?.manifest.config_fields.map((f) => f.key) ?? [];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
    return Object.fromEntries(
      Object.entries(config)
        .sort(([a], [b]) => rank(a) - rank(b))
        .map(([k, v]) => [k, secretKeys.has(k) && v !== undefined && v !== '' ? SECRET_MASK : v]),
    );
  }

  private validateConfig(plugin: IntegrationPlugin, config: Record<string, unknown>): Record<string, unknown> {
    const parsed = plugin.configSchema.safeParse(config);
    if (!parsed.success) {
      const fields = fieldIssues(parsed.error, 'config');
      throw badRequest(`The ${plugin.manifest.name} config is invalid: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
    }
    return parsed.data as Record<string, unknown>;
  }

  /** A blueprint must fit the contract's schema and the plugin's own options (it builds an adapter to check). */
  private validateBlueprint(plugin: IntegrationPlugin, input: unknown, config: Record<string, unknown>): Blueprint {
    const parsed = BlueprintSchema.safeParse(input);
    if (!parsed.success) {
      const fields = fieldIssues(parsed.error, 'blueprint');
      throw badRequest(`The blueprint is invalid: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
    }
    try {
      void plugin.createAdapter({ integrationId: 'validation', config, blueprint: parsed.data }).close();
    } catch (error) {
      if (error instanceof ValidationError) throw badRequest(error.message, error.issues);
      throw error;
    }
    return parsed.data;
  }

  private split(catalogKey: string, config: Record<string, unknown>): Pick<IntegrationRow, 'config_json' | 'secrets_json'> {
    const secretKeys = this.registry.secretKeys(catalogKey);
    const plain: Record<string, unknown> = {};
    const sealed: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
      if (secretKeys.has(k) && typeof v === 'string') sealed[k] = this.secrets.seal(v);
      else plain[k] = v;
    }
    return { config_json: JSON.stringify(plain), secrets_json: JSON.stringify(sealed) };
  }

  private openSecrets(row: Pick<IntegrationRow, 'secrets_json'>): Record<string, string> {
    const sealed = JSON.parse(row.secrets_json) as Record<string, string>;
    return Object.fromEntries(Object.entries(sealed).map(([k, v]) => [k, this.secrets.open(v)]));
  }

  private openConfig(row: Pick<IntegrationRow, 'config_json' | 'secrets_json'>): Record<string, unknown> {
    return { ...JSON.parse(row.config_json), ...this.openSecrets(row) };
  }

  private toIntegration(row: IntegrationRow): Integration {
    return {
      id: row.id,
      catalogKey: row.catalog_key,
      name: row.name,
      variant: row.variant,
      deliveryMode: row.delivery_mode,
      enabled: row.enabled === 1,
      config: this.openConfig(row),
      blueprint: JSON.parse(row.blueprint_json),
      revision: row.revision,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  private row(id: string): IntegrationRow {
    const row = this.store.get(id);
    if (!row) throw notFound(`Integration ${id}`);
    return row;
  }

  private plugin(key: string): IntegrationPlugin {
    const plugin = this.registry.get(key);
    if (!plugin) throw notFound(`Catalog entry "${key}"`);
    return plugin;
  }

  private emit(id: string): void {
    for (const listener of this.listeners) listener(id);
  }
}

function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const fields = fieldIssues(parsed.error);
    throw new ApiError(400, 'invalid_request', `The request body is invalid: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
  }
  return parsed.data;
}

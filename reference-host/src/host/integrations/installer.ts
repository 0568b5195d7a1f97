import { randomBytes } from 'node:crypto';
import { badRequest, notFound } from '../errors.js';
import type { PluginRegistry } from '../registry.js';
import type { SecretBox } from '../secrets.js';
import type { Store } from '../store/store.js';
import { invalid, maskedSecretIssues, sealConfig, validateConfig } from './config.js';
import type { IntegrationDirectory } from './directory.js';
import { toIntegration, type Integration } from './model.js';
import { InstallRequestSchema, parseRequest } from './requests.js';

/** Installs an integration from the catalog: the guide's install call. */
export class Installer {
  constructor(
    private readonly registry: PluginRegistry,
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly directory: IntegrationDirectory,
    private readonly clock: () => number,
  ) {}

  async install(catalogKey: string, body: unknown): Promise<Integration> {
    const plugin = this.registry.get(catalogKey);
    if (!plugin) throw notFound(`Catalog entry "${catalogKey}"`);
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
    const masked = maskedSecretIssues(plugin, request.config);
    if (masked.length > 0) throw invalid(`The ${plugin.manifest.name} config is invalid`, masked);
    const config = validateConfig(plugin, { ...variant.default_config, ...request.config });
    const at = new Date(this.clock()).toISOString();
    const row = {
      id: `int_${randomBytes(8).toString('hex')}`,
      catalog_key: catalogKey,
      name: request.name ?? plugin.manifest.name,
      variant: variant.key,
      delivery_mode: deliveryMode,
      enabled: 1,
      ...sealConfig(plugin, config, this.box),
      blueprint_json: JSON.stringify(plugin.defaultBlueprint(variant.key)),
      revision: 1,
      created_at: at,
      updated_at: at,
    };
    await this.store.transaction((tx) => tx.integrations.save(row, `Installed ${plugin.manifest.name} (${variant.name}) from the catalog`));
    await this.directory.refresh();
    return toIntegration(row, this.box);
  }
}

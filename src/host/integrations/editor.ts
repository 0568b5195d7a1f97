import type { IntegrationPlugin } from '../../contract/index.js';
import { notFound } from '../errors.js';
import type { PluginRegistry } from '../registry.js';
import type { SecretBox } from '../secrets.js';
import type { IntegrationRow } from '../store/integrations.js';
import type { Store } from '../store/store.js';
import { openConfig, SECRET_MASK, sealConfig, secretKeys, validateBlueprint, validateConfig } from './config.js';
import type { IntegrationDirectory } from './directory.js';
import { toIntegration, type Integration } from './model.js';
import { parseRequest, UpdateRequestSchema } from './requests.js';

/**
 * Changes installed integrations: each change is a new immutable revision. A change of config (or a
 * restored revision) resumes an integration that delivery paused for its credentials or endpoint.
 */
export class IntegrationEditor {
  constructor(
    private readonly registry: PluginRegistry,
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly directory: IntegrationDirectory,
    private readonly clock: () => number,
  ) {}

  async update(id: string, body: unknown): Promise<Integration> {
    const row = await this.row(id);
    const plugin = this.plugin(row);
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
      const secrets = secretKeys(plugin);
      // A blank or masked secret keeps the stored one: forms never hold the real value. null clears a
      // field, so its default applies again.
      const patch = Object.fromEntries(Object.entries(request.config).filter(([k, v]) => !(secrets.has(k) && (v === SECRET_MASK || v === ''))));
      const merged: Record<string, unknown> = { ...openConfig(row, this.box), ...patch };
      for (const [k, v] of Object.entries(patch)) if (v === null) delete merged[k];
      const config = validateConfig(plugin, merged);
      Object.assign(next, sealConfig(plugin, config, this.box));
      changes.push(`config (${Object.keys(patch).sort().join(', ') || 'unchanged'})`);
    }
    if (request.blueprint !== undefined) {
      next.blueprint_json = JSON.stringify(validateBlueprint(plugin, request.blueprint));
      changes.push('blueprint');
    }
    if (changes.length === 0) return toIntegration(row, this.box);
    return this.save(next, row, request.change_summary ?? `Changed ${changes.join(', ')}`, request.config !== undefined);
  }

  /** A new revision with the config and blueprint of an earlier one (its secrets included). */
  async restore(id: string, revisionNumber: number): Promise<Integration> {
    const row = await this.row(id);
    const revision = await this.store.integrations.revision(id, revisionNumber);
    if (!revision) throw notFound(`Revision ${revisionNumber} of integration ${id}`);
    const next = { ...row, config_json: revision.config_json, secrets_json: revision.secrets_json, blueprint_json: revision.blueprint_json };
    return this.save(next, row, `Restored the config and blueprint of revision ${revisionNumber}`, true);
  }

  async remove(id: string): Promise<void> {
    const removed = await this.store.transaction((tx) => tx.integrations.delete(id));
    if (!removed) throw notFound(`Integration ${id}`);
    await this.directory.refresh();
  }

  private async save(next: IntegrationRow, row: IntegrationRow, summary: string, configChanged: boolean): Promise<Integration> {
    const now = this.clock();
    next.revision = row.revision + 1;
    next.updated_at = new Date(now).toISOString();
    await this.store.transaction(async (tx) => {
      await tx.integrations.save(next, summary);
      if (configChanged) await tx.status.resume(next.id, now);
    });
    await this.directory.refresh();
    return toIntegration(next, this.box);
  }

  private async row(id: string): Promise<IntegrationRow> {
    const row = await this.store.integrations.get(id);
    if (!row) throw notFound(`Integration ${id}`);
    return row;
  }

  private plugin(row: IntegrationRow): IntegrationPlugin {
    const plugin = this.registry.get(row.catalog_key);
    if (!plugin) throw notFound(`Catalog entry "${row.catalog_key}"`);
    return plugin;
  }
}

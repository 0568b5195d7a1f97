import type { IntegrationPlugin } from '@datafly/heap-integration/contract';
import { checkBlueprint } from '@datafly/heap-integration/contract';
import { badRequest, notFound } from '../errors.js';
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
    if (request.name === undefined && request.enabled === undefined && request.config === undefined && request.blueprint === undefined) {
      throw badRequest('Nothing to change: give name, enabled, config or blueprint (change_summary only describes a change)', [
        { field: '(root)', message: 'needs name, enabled, config or blueprint' },
      ]);
    }
    const changes: string[] = [];
    const next: IntegrationRow = { ...row };
    if (request.name !== undefined && request.name !== row.name) {
      next.name = request.name;
      changes.push(`Renamed to "${request.name}"`);
    }
    if (request.enabled !== undefined && Number(request.enabled) !== row.enabled) {
      next.enabled = Number(request.enabled);
      changes.push(request.enabled ? 'Enabled' : 'Disabled');
    }
    let configChanged = false;
    if (request.config !== undefined) {
      const secrets = secretKeys(plugin);
      // A blank or masked secret keeps the stored one: forms never hold the real value. null clears a
      // field, so its default applies again.
      const patch = Object.fromEntries(Object.entries(request.config).filter(([k, v]) => !(secrets.has(k) && (v === SECRET_MASK || v === ''))));
      const current = openConfig(row, this.box);
      const merged: Record<string, unknown> = { ...current, ...patch };
      for (const [k, v] of Object.entries(patch)) if (v === null) delete merged[k];
      const config = validateConfig(plugin, merged);
      const before = (plugin.configSchema.safeParse(current).data ?? current) as Record<string, unknown>;
      const changed = [...new Set([...Object.keys(config), ...Object.keys(before)])].filter((k) => JSON.stringify(config[k]) !== JSON.stringify(before[k])).sort();
      if (changed.length > 0) {
        Object.assign(next, sealConfig(plugin, config, this.box));
        changes.push(`Changed config (${changed.join(', ')})`);
        configChanged = true;
      }
    }
    if (request.blueprint !== undefined) {
      const blueprint = JSON.stringify(validateBlueprint(plugin, request.blueprint));
      // The stored one read the same way (defaults filled in), so equal blueprints compare equal.
      const stored = checkBlueprint(plugin, JSON.parse(row.blueprint_json));
      if (!stored.ok || blueprint !== JSON.stringify(stored.blueprint)) {
        next.blueprint_json = blueprint;
        changes.push('Changed blueprint');
      }
    }
    // Values equal to the stored ones change nothing: no revision, and a paused integration stays paused.
    if (changes.length === 0) return toIntegration(row, this.box);
    return this.save(next, row, request.change_summary ?? changes.join('; '), configChanged);
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

import type { Container } from 'inversify';
import type { IntegrationPlugin } from '@datafly/heap-integration/contract';
import { capabilityMismatches, CatalogManifestSchema, checkBlueprint, INTEGRATION_PLUGIN, parseOrThrow, ValidationError } from '@datafly/heap-integration/contract';

/**
 * Every plugin the container holds, checked once at start: each manifest and default blueprint
 * must validate, its declared capabilities must match its methods, and no two plugins may claim the
 * same catalog key.
 */
export class PluginRegistry {
  private readonly byKey = new Map<string, IntegrationPlugin>();

  constructor(plugins: readonly IntegrationPlugin[]) {
    for (const plugin of plugins) {
      const key = plugin.manifest?.key ?? '(no key)';
      parseOrThrow(CatalogManifestSchema, plugin.manifest, `The manifest of plugin "${key}"`);
      const mismatch = capabilityMismatches(plugin)[0];
      if (mismatch) throw new Error(`Plugin "${key}" ${mismatch}: declaration and methods must agree`);
      for (const variant of plugin.manifest.variants) {
        const checked = checkBlueprint(plugin, plugin.defaultBlueprint(variant.key));
        if (!checked.ok) throw new ValidationError(`The default blueprint of plugin "${key}", variant "${variant.key}"`, checked.issues);
      }
      if (this.byKey.has(key)) throw new Error(`Two plugins claim the catalog key "${key}": each integration needs its own key`);
      this.byKey.set(key, plugin);
    }
  }

  static fromContainer(container: Container): PluginRegistry {
    return new PluginRegistry(container.isBound(INTEGRATION_PLUGIN) ? container.getAll<IntegrationPlugin>(INTEGRATION_PLUGIN) : []);
  }

  list(category?: string): IntegrationPlugin[] {
    return [...this.byKey.values()].filter((p) => !category || p.manifest.category === category).sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  }

  get(key: string): IntegrationPlugin | undefined {
    return this.byKey.get(key);
  }
}

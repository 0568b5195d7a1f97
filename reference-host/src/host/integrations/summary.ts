import type { InstallationSummary, IntegrationPlugin } from '@datafly/heap-integration/contract';
import { secretKeys } from './config.js';
import type { Integration } from './model.js';

/**
 * What the page shows about an installation, from the plugin's `describeInstallation`, given the
 * config with its secrets already masked (no summary can show one). A plugin without it, or one whose
 * summary fails, gets the manifest's non-secret fields under their labels.
 */
export function installationSummary(plugin: IntegrationPlugin | undefined, maskedConfig: Record<string, unknown>): InstallationSummary {
  if (plugin?.describeInstallation) {
    try {
      return plugin.describeInstallation(maskedConfig);
    } catch {
      return { ...configFacts(plugin, maskedConfig), help: 'The plugin could not describe this installation; its settings are shown instead.' };
    }
  }
  return configFacts(plugin, maskedConfig);
}

function configFacts(plugin: IntegrationPlugin | undefined, config: Record<string, unknown>): InstallationSummary {
  const secrets = plugin ? secretKeys(plugin) : new Set<string>();
  const fields = (plugin?.manifest.config_fields ?? []).filter((f) => !secrets.has(f.key) && !f.advanced && config[f.key] !== undefined && config[f.key] !== '');
  const facts = fields.map((f) => ({ label: f.label, value: shown(f.options, config[f.key]) }));
  return { facts, destination: facts.map((f) => f.value).join(', ') };
}

function shown(options: { value: string; label: string }[] | undefined, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return options?.find((o) => o.value === text)?.label ?? text;
}

/** Whether each plugin's adapters have `testConnection`: all of a plugin's adapters do, or none. */
const connectionTests = new WeakMap<IntegrationPlugin, boolean>();

/** Whether the page should offer a connection test: asked of the first adapter of a plugin, then remembered. */
export function offersConnectionTest(plugin: IntegrationPlugin | undefined, integration: Integration): boolean {
  if (!plugin) return false;
  const known = connectionTests.get(plugin);
  if (known !== undefined) return known;
  try {
    const adapter = plugin.createAdapter({ integrationId: integration.id, config: integration.config, blueprint: integration.blueprint });
    const offered = typeof adapter.testConnection === 'function';
    void adapter.close().catch(() => undefined);
    connectionTests.set(plugin, offered);
    return offered;
  } catch {
    // A config the plugin no longer takes: the test itself will say what is wrong.
    return true;
  }
}

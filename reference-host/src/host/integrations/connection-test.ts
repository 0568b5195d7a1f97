import type { ConnectionTestResult, DeliveryAdapter, Logger } from '@datafly/heap-integration/contract';
import { INSTALLATION_CODES, type DeliveryCode } from '@datafly/heap-integration/contract';
import type { PluginRegistry } from '../registry.js';
import type { Store } from '../store/store.js';
import type { IntegrationDirectory } from './directory.js';
import type { Integration } from './model.js';

export type ConnectionTestOutcome = ConnectionTestResult & { resumed?: boolean; paused?: boolean; offered?: false };

/** What a test answers for a plugin whose adapters have no `testConnection`. */
export const NO_CONNECTION_TEST = 'this integration offers no connection test';

/**
 * Asks the vendor about an integration's credentials, and lets the answer stand on the integration
 * for every instance: a pass resumes a paused integration, a refusal that speaks for the installation
 * (wrong key, not the vendor's API, untrusted certificate) pauses it, events held, until the config
 * changes or a test passes. Any other failure (unreachable, slow) says nothing about the credentials.
 */
export class ConnectionTests {
  constructor(
    private readonly deps: {
      store: Store;
      registry: PluginRegistry;
      directory: IntegrationDirectory;
      adapterFor: (integration: Integration) => DeliveryAdapter;
      logger: Logger;
      clock: () => number;
    },
  ) {}

  async test(integration: Integration): Promise<ConnectionTestOutcome> {
    if (!this.deps.registry.get(integration.catalogKey)) return { ok: false, code: 'unexpected_status', message: `No plugin for catalog key "${integration.catalogKey}" is loaded in this host` };
    const adapter = this.deps.adapterFor(integration);
    try {
      if (!adapter.testConnection) return { ok: false, offered: false, message: NO_CONNECTION_TEST };
      const result = await adapter.testConnection();
      if (result.ok) return { ...result, resumed: await this.resume(integration) };
      if (result.code && INSTALLATION_CODES.has(result.code as DeliveryCode)) return { ...result, paused: await this.pause(integration, result.code, result.message) };
      return result;
    } finally {
      await adapter.close();
    }
  }

  private async resume(integration: Integration): Promise<boolean> {
    const resumed = await this.deps.store.status.resume(integration.id, this.deps.clock());
    if (resumed) {
      this.deps.logger.info('delivery resumed: the connection test passed', { integrationId: integration.id });
      await this.deps.directory.refresh();
    }
    return resumed;
  }

  /** Pauses unless the integration changed since it was read: a late answer must not pause what a newer config fixed. */
  private async pause(integration: Integration, code: string, message: string): Promise<boolean> {
    const paused = await this.deps.store.transaction(async (tx) => {
      if ((await tx.integrations.get(integration.id))?.revision !== integration.revision) return false;
      return tx.status.pause(integration.id, code, message, this.deps.clock());
    });
    if (paused) {
      this.deps.logger.warn('delivery paused: the vendor refused the credentials in a connection test; events wait until the config is changed or a test passes', { integrationId: integration.id, code });
      await this.deps.directory.refresh();
    }
    return paused;
  }
}

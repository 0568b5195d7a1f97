import type { IntegrationPlugin } from '@datafly/heap-integration/contract';
import { ApiError, notFound } from '../../errors.js';
import { toIntegration, type Integration } from '../../integrations/model.js';
import type { RouteDeps } from './deps.js';

/** The integration as the store holds it, not this instance's copy: a change made on another instance shows at once. 404 when there is none. */
export async function loadIntegration({ store, box }: Pick<RouteDeps, 'store' | 'box'>, id: string): Promise<Integration> {
  const row = await store.integrations.get(id);
  if (!row) throw notFound(`Integration ${id}`);
  return toIntegration(row, box);
}

/** The integration and its plugin, for the views that run it: 409 when no plugin of its catalog key is loaded. */
export async function loadWithPlugin(deps: Pick<RouteDeps, 'store' | 'box' | 'registry'>, id: string): Promise<{ integration: Integration; plugin: IntegrationPlugin }> {
  const integration = await loadIntegration(deps, id);
  const plugin = deps.registry.get(integration.catalogKey);
  if (!plugin) throw new ApiError(409, 'plugin_missing', `No plugin for catalog key "${integration.catalogKey}" is loaded in this host`);
  return { integration, plugin };
}

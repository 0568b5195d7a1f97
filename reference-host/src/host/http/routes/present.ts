import { toStatus, type Integration } from '../../integrations/model.js';
import { presentIntegration } from '../../integrations/presenter.js';
import type { RouteDeps } from './deps.js';

/** An integration as the API shows it, with its delivery status as the store holds it now. */
export async function presentWithStatus(deps: Pick<RouteDeps, 'registry' | 'store' | 'clock'>, integration: Integration) {
  return presentIntegration(integration, deps.registry.get(integration.catalogKey), toStatus(await deps.store.status.get(integration.id)), deps.clock());
}

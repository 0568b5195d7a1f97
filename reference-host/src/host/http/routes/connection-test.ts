import { ApiError } from '../../errors.js';
import { ConnectionTestSchema, errors, IdParams } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';

/** Asks the vendor whether an integration's credentials work; the answer may pause or resume its delivery. */
export function connectionTestRoutes(app: Api, deps: Pick<RouteDeps, 'store' | 'box' | 'testConnection'>): void {
  app.post(
    `${ADMIN}/integrations/:id/test-connection`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Checks the credentials with the vendor (409 when the plugin offers no test); a pass resumes a paused integration, a refusal of the credentials or endpoint pauses it', params: IdParams, response: { 200: ConnectionTestSchema, 409: errors[400], ...errors } } },
    async (req) => {
      const result = await deps.testConnection(await loadIntegration(deps, req.params.id));
      if (result.offered === false) throw new ApiError(409, 'unsupported', `${result.message[0].toUpperCase()}${result.message.slice(1)}: its plugin has none, so nothing was checked`);
      return { ok: result.ok, code: result.code, message: result.message, http_status: result.httpStatus, resumed: result.resumed, paused: result.paused };
    },
  );
}

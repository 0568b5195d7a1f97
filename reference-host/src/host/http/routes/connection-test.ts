import { ConnectionTestSchema, errors, IdParams } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';

/** Asks the vendor whether an integration's credentials work; the answer may pause or resume its delivery. */
export function connectionTestRoutes(app: Api, deps: Pick<RouteDeps, 'store' | 'box' | 'testConnection'>): void {
  app.post(
    `${ADMIN}/integrations/:id/test-connection`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Checks the credentials with the vendor; a pass resumes a paused integration, a refusal of the credentials or endpoint pauses it', params: IdParams, response: { 200: ConnectionTestSchema, ...errors } } },
    async (req) => {
      const result = await deps.testConnection(await loadIntegration(deps, req.params.id));
      return { ok: result.ok, code: result.code, message: result.message, http_status: result.httpStatus, resumed: result.resumed, paused: result.paused };
    },
  );
}

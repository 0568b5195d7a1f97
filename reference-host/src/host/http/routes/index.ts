import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { catalogRoutes } from './catalog.js';
import { connectionTestRoutes } from './connection-test.js';
import { dataQualityRoutes } from './data-quality.js';
import { deadLetterRoutes } from './dead-letters.js';
import { deletionRoutes } from './deletions.js';
import { deliveryRoutes } from './deliveries.js';
import type { Api, RouteDeps } from './deps.js';
import { ingestRoutes } from './ingestion.js';
import { instanceRoutes } from './instance.js';
import { integrationRoutes } from './integrations.js';
import { liveRoutes } from './live.js';
import { overviewRoutes } from './overview.js';
import { pageRoutes } from './page.js';
import { previewRoutes } from './preview.js';
import { revisionRoutes } from './revisions.js';

/**
 * Every route of the host, one file per resource, each typed by the zod schemas that check its
 * requests. The order is the OpenAPI document's, and the order in which a 405 lists the methods a path allows.
 */
export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api: Api = app.withTypeProvider<ZodTypeProvider>();
  instanceRoutes(api, deps);
  catalogRoutes(api, deps);
  integrationRoutes(api, deps);
  revisionRoutes(api, deps);
  connectionTestRoutes(api, deps);
  deliveryRoutes(api, deps);
  deadLetterRoutes(api, deps);
  overviewRoutes(api, deps);
  dataQualityRoutes(api, deps);
  liveRoutes(api, deps);
  previewRoutes(api, deps);
  deletionRoutes(api, deps);
  ingestRoutes(api, deps.ingestion, deps.maxBatchEvents);
  pageRoutes(api);
}

import type { FastifyInstance } from 'fastify';
import { catalogRoutes } from './catalog.js';
import { connectionTestRoutes } from './connection-test.js';
import { deadLetterRoutes } from './dead-letters.js';
import { deletionRoutes } from './deletions.js';
import { deliveryRoutes } from './deliveries.js';
import type { RouteDeps } from './deps.js';
import { ingestRoutes } from './ingestion.js';
import { instanceRoutes } from './instance.js';
import { integrationRoutes } from './integrations.js';
import { liveRoutes } from './live.js';
import { overviewRoutes } from './overview.js';
import { pageRoutes } from './page.js';
import { previewRoutes } from './preview.js';
import { revisionRoutes } from './revisions.js';

/**
 * Every route of the host, one file per resource. The order is the OpenAPI document's, and the order
 * in which a 405 lists the methods a path allows.
 */
export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  instanceRoutes(app, deps);
  catalogRoutes(app, deps);
  integrationRoutes(app, deps);
  revisionRoutes(app, deps);
  connectionTestRoutes(app, deps);
  deliveryRoutes(app, deps);
  deadLetterRoutes(app, deps);
  overviewRoutes(app, deps);
  liveRoutes(app, deps);
  previewRoutes(app, deps);
  deletionRoutes(app, deps);
  ingestRoutes(app, deps.ingestion, deps.maxBatchEvents);
  pageRoutes(app);
}

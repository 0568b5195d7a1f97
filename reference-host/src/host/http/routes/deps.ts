import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DeliveryAdapter } from '@datafly/heap-integration/contract';
import type { IngestionService } from '../../ingest.js';
import type { ConnectionTestOutcome } from '../../integrations/connection-test.js';
import type { CredentialsCheckResult } from '../../integrations/credentials-check.js';
import type { IntegrationEditor } from '../../integrations/editor.js';
import type { Installer } from '../../integrations/installer.js';
import type { Integration } from '../../integrations/model.js';
import type { LiveStreams } from '../../live/live-streams.js';
import type { Metrics } from '../../metrics.js';
import type { UserDeletionService } from '../../privacy/user-deletions.js';
import type { PluginRegistry } from '../../registry.js';
import type { SecretBox } from '../../secrets.js';
import type { Store } from '../../store/store.js';

/** The app as the routes see it: a request's path, query and body typed by the zod schemas that check them. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** What the routes work with; each route file takes the part it uses. */
export interface RouteDeps {
  registry: PluginRegistry;
  store: Store;
  box: SecretBox;
  installer: Installer;
  editor: IntegrationEditor;
  metrics: Metrics;
  /** Checks an integration's credentials with its vendor; a success resumes a paused integration. */
  testConnection: (integration: Integration) => Promise<ConnectionTestOutcome>;
  /** Asks the vendor about the credentials just stored; a refusal pauses delivery (see CredentialsCheck). */
  checkCredentials: (integration: Integration) => Promise<CredentialsCheckResult>;
  /** An adapter for this integration (with another blueprint, for a preview); the caller closes it. */
  adapterFor: (integration: Integration, blueprint?: Integration['blueprint']) => DeliveryAdapter;
  /** Tells delivery these integrations have events due now. */
  wake: (integrationIds: string[]) => void;
  /** The live delivery streams of this instance. */
  live: LiveStreams;
  deletions: UserDeletionService;
  ingestion: IngestionService;
  /** The most events one ingestion request may hold. */
  maxBatchEvents: number;
  clock: () => number;
  instance: { id: string; engine: 'sqlite' | 'postgres'; version: string; startedAt: number };
  /** What this host was started with that an operator (or the page) needs to know. */
  settings: { logRetentionDays: number; retryScheduleMs: readonly number[]; retryWindowMs: number; leaseMs: number; rateLimits: boolean; rateLimitScale: number; deliveryThread: boolean };
}

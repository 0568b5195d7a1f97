import type { z } from 'zod';
import type { Blueprint } from './blueprint.js';
import type { DeliveryAdapter } from './delivery.js';
import type { Clock, Logger } from './logger.js';
import type { CatalogManifest } from './manifest.js';

export interface AdapterContext<C> {
  integrationId: string;
  /** Already validated by `configSchema`, secrets decrypted. */
  config: C;
  blueprint: Blueprint;
}

export interface AdapterDeps {
  logger?: Logger;
  clock?: Clock;
}

/** What a plugin gives a host. Bound to `INTEGRATION_PLUGIN`; hosts collect every binding. */
export interface IntegrationPlugin<C = unknown, O = unknown> {
  readonly manifest: CatalogManifest;
  /** The installation's config; the manifest's `config_fields` are the form of the same fields. */
  readonly configSchema: z.ZodType<C>;
  /** The vendor's part of a blueprint (`blueprint.options`): a host checks a blueprint with it, no adapter needed. */
  readonly blueprintOptionsSchema: z.ZodType<O>;
  defaultBlueprint(variant?: string): Blueprint;
  createAdapter(context: AdapterContext<C>, deps?: AdapterDeps): DeliveryAdapter;
}

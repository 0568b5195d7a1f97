import { injectable } from 'inversify';
import type { AdapterContext, AdapterDeps, Blueprint, CatalogManifest, DeliveryAdapter, InstallationSummary, IntegrationPlugin, UserDeletionAdapter } from '../contract/index.js';
import { BlueprintSchema, parseOrThrow } from '../contract/index.js';
import { HeapDeliveryAdapter } from './adapter.js';
import { heapOptions, HeapBlueprintOptionsSchema, type HeapBlueprintOptions } from './blueprint-options.js';
import { HeapConfigSchema, type HeapConfig } from './config.js';
import { readPackageJson } from './files.js';
import { HEAP_MANIFEST } from './manifest.js';
import { describeHeapInstallation } from './summary.js';
import { HeapUserDeletion } from './user-deletion.js';

/** The card: manifest and default blueprints are data files, validated once when the plugin is made. */
@injectable()
export class HeapPlugin implements IntegrationPlugin<HeapConfig, HeapBlueprintOptions> {
  readonly manifest: CatalogManifest = HEAP_MANIFEST;
  readonly configSchema = HeapConfigSchema;
  /** The schema `heapOptions` parses with: a blueprint a host accepts with it is one the adapter takes. */
  readonly blueprintOptionsSchema = HeapBlueprintOptionsSchema;
  private readonly blueprints = new Map<string, Blueprint>(
    this.manifest.variants.map((v) => [v.key, parseOrThrow(BlueprintSchema, readPackageJson(`blueprints/heap/${v.key}.json`), `blueprints/heap/${v.key}.json`)]),
  );

  defaultBlueprint(variant = 'default'): Blueprint {
    const blueprint = this.blueprints.get(variant);
    if (!blueprint) throw new Error(`Heap has no variant "${variant}" (known: ${[...this.blueprints.keys()].join(', ')})`);
    return structuredClone(blueprint);
  }

  createAdapter(context: AdapterContext<HeapConfig>, deps: AdapterDeps = {}): DeliveryAdapter {
    const { config, blueprint } = this.checked(context);
    return new HeapDeliveryAdapter({
      integrationId: context.integrationId,
      config,
      blueprint,
      options: heapOptions(blueprint),
      maxBytes: this.manifest.batching.max_bytes,
      logger: deps.logger,
      clock: deps.clock,
    });
  }

  /** The manifest declares `user_deletion`: Heap's privacy API, reached with the installation's App ID and API key. */
  createUserDeletion(context: AdapterContext<HeapConfig>, deps: AdapterDeps = {}): UserDeletionAdapter {
    const { config, blueprint } = this.checked(context);
    return new HeapUserDeletion(config, heapOptions(blueprint).identity.anonymous, deps.clock);
  }

  describeInstallation(config: Record<string, unknown>): InstallationSummary {
    return describeHeapInstallation(config);
  }

  private checked(context: AdapterContext<HeapConfig>) {
    const config = parseOrThrow(HeapConfigSchema, context.config, 'Heap config', 'config');
    const blueprint = parseOrThrow(BlueprintSchema, context.blueprint, 'Heap blueprint', 'blueprint');
    return { config, blueprint };
  }
}

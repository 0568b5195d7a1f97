import type { z } from 'zod';
import type { Blueprint } from './blueprint.js';
import type { DeliveryAdapter, UserDeletionAdapter } from './delivery.js';
import type { Clock, Logger } from './logger.js';
import type { Capability, CatalogManifest } from './manifest.js';

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

/** One fact about an installation, under the vendor's label: "App ID: 1234567890". */
export interface InstallationFact {
  label: string;
  value: string;
}

/**
 * What a host's page shows about one installation, in the vendor's words, so the page itself holds
 * none: where the events go, the advice that goes with it, what the vendor's allowance is called.
 */
export interface InstallationSummary {
  /** Where events go (account, region, endpoint), shown prominently. */
  facts: InstallationFact[];
  /** The same in a phrase that completes "sends to <vendor> …" in dialogs: "app 1234567890 (US)". */
  destination: string;
  /** One line of advice under the facts (the vendor's first cause of "no events appearing"). */
  help?: string;
  /** The heading over the manifest's `scope: app` rate limits ("<vendor>'s allowance for this app"). */
  allowance?: string;
  /** The base URL the calls go to, when it is the installation's choice (a page hints when nothing answers at a local one). */
  endpoint?: string;
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
  /** Present exactly when the manifest declares `user_deletion`: erases users at the vendor. */
  createUserDeletion?(context: AdapterContext<C>, deps?: AdapterDeps): UserDeletionAdapter;
  /**
   * The installation as a page shows it. A host passes the config with every secret field already
   * masked, so no summary can show a secret. Without it, a host lists the non-secret config fields.
   */
  describeInstallation?(config: Record<string, unknown>): InstallationSummary;
}

/** The method that builds each capability: a manifest declares one exactly when the plugin has its method. */
const CAPABILITY_METHODS: Record<Capability, keyof IntegrationPlugin> = {
  user_deletion: 'createUserDeletion',
};

/** Where a plugin's declared capabilities and its methods disagree, one sentence each (none: they agree). */
export function capabilityMismatches(plugin: IntegrationPlugin): string[] {
  const declared = new Set<string>(plugin.manifest.capabilities);
  return Object.entries(CAPABILITY_METHODS).flatMap(([capability, method]) => {
    const has = typeof plugin[method] === 'function';
    if (declared.has(capability) && !has) return [`declares the capability "${capability}" but has no ${method} method`];
    if (!declared.has(capability) && has) return [`has a ${method} method but does not declare the capability "${capability}" in its manifest`];
    return [];
  });
}

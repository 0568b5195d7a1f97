import type { InstallationSummary } from '../contract/index.js';
import { configField } from './manifest.js';

/** A config value as the form shows it: a select's option label ("US (heapanalytics.com)"), else the text. */
function shown(key: string, value: unknown): string {
  const field = configField(key);
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return field.options?.find((o) => o.value === text)?.label ?? text;
}

/**
 * Where an installation's events go, in Heap's words: the app (its environment), the region, the
 * endpoint override when one is set. The app comes first: "wrong environment" is the integration
 * guide's first cause of "no events appearing".
 */
export function describeHeapInstallation(config: Record<string, unknown>): InstallationSummary {
  const appId = shown('app_id', config.app_id);
  const region = shown('region', config.region ?? configField('region').default);
  const endpoint = typeof config.endpoint === 'string' && config.endpoint !== '' ? config.endpoint : undefined;
  const facts = [
    { label: configField('app_id').label, value: appId },
    { label: configField('region').label, value: region },
    ...(endpoint ? [{ label: configField('endpoint').label, value: endpoint }] : []),
  ];
  return {
    facts,
    destination: `app ${appId} (${[region, endpoint ? `endpoint override ${endpoint}` : undefined].filter(Boolean).join(', ')})`,
    help: `No events appearing in Heap? The guide's first cause is the wrong environment: make sure the Heap dashboard shows the environment of app ${appId} (Production and Development have different App IDs).`,
    allowance: "Heap's allowance for this app",
    ...(endpoint ? { endpoint } : {}),
  };
}

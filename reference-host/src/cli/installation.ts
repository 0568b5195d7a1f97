import { readFileSync } from 'node:fs';
import type { Blueprint, DataflyEvent, DeliveryAdapter } from '@datafly/heap-integration/contract';
import { checkBlueprint, consentDenial, describeIssues, fieldIssues } from '@datafly/heap-integration/contract';
import { HeapConfigSchema, HeapPlugin, type HeapConfig } from '@datafly/heap-integration';
import { errorText } from '../common/error-text.js';
import { decodeUtf8, NOT_UTF8_REASON, replacementPath } from '../common/utf8.js';
import { UsageError } from './failures.js';

/**
 * The CLI's stand-in for an installation: the plugin, a config and a blueprint, checked with the
 * schemas a host checks them with, and the host's consent rule. Everything Heap-specific comes from
 * the plugin; nothing here knows Heap's wire format.
 */
export const heap = new HeapPlugin();

/**
 * Ingestion calls carry only app_id, so a run that sends events or previews them needs no API key;
 * the config schema still wants one. This stands in for it and goes nowhere: the CLI never calls
 * Heap's privacy API (the only user of the key) with it.
 */
const UNUSED_API_KEY = 'unused-by-ingestion-calls';

/** The App ID the install form shows as its example: previews without a config use it. */
export const PLACEHOLDER_APP_ID = heap.manifest.config_fields.find((f) => f.key === 'app_id')?.placeholder ?? '1234567890';

export type ConfigFieldKey = 'app_id' | 'region' | 'endpoint' | 'timeout_ms';

/** What the config schema says about one field's value (for an option), or undefined when it is fine. */
export function configFieldProblem(key: ConfigFieldKey, value: unknown): string | undefined {
  const parsed = HeapConfigSchema.shape[key].safeParse(value);
  return parsed.success ? undefined : parsed.error.issues.map((i) => i.message).join('; ');
}

/**
 * The installation's config from the CLI's fields. `name(field)` says where a bad field came from
 * (`--app-id`, `--config config.json: app_id`), so the one line names what to change.
 */
export function heapConfig(fields: Record<string, unknown>, apiKey: string | undefined, name: (field: string) => string): HeapConfig {
  const parsed = HeapConfigSchema.safeParse({ ...fields, api_key: apiKey ?? UNUSED_API_KEY });
  if (parsed.success) return parsed.data;
  throw new UsageError(fieldIssues(parsed.error).map((i) => `${name(i.field)}: ${i.message}`).join('; '));
}

/** A JSON file an option names; unreadable or malformed is a usage error naming the option. */
export function readJsonFile(file: string, option: string): unknown {
  let decoded: { text: string; valid: boolean };
  try {
    decoded = decodeUtf8(readFileSync(file));
  } catch (error) {
    throw new UsageError(`${option} ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? errorText(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(decoded.text);
  } catch (error) {
    throw new UsageError(`${option} ${file}: not valid JSON (${errorText(error)})`);
  }
  const garbled = decoded.valid ? undefined : replacementPath(json);
  if (garbled !== undefined) throw new UsageError(`${option} ${file}: ${garbled || 'the value'} ${NOT_UTF8_REASON}`);
  return json;
}

/** The default blueprint, or the file's, checked whole as a host checks a blueprint (checkBlueprint). */
export function readBlueprint(file: string | undefined): Blueprint {
  if (file === undefined) return heap.defaultBlueprint();
  const checked = checkBlueprint(heap, readJsonFile(file, '--blueprint'));
  if (!checked.ok) throw new UsageError(`--blueprint ${file}: ${describeIssues(checked.issues)}`);
  return checked.blueprint;
}

/** An adapter with the connection test a backfill runs before it sends anything (Heap's always has one). */
export type CheckedAdapter = DeliveryAdapter & Required<Pick<DeliveryAdapter, 'testConnection'>>;

export function heapAdapter(config: HeapConfig, blueprint: Blueprint): CheckedAdapter {
  const adapter = heap.createAdapter({ integrationId: 'heap-integration-cli', config, blueprint });
  if (!offersConnectionTest(adapter)) throw new Error('the Heap plugin built an adapter without a connection test');
  return adapter;
}

function offersConnectionTest(adapter: DeliveryAdapter): adapter is CheckedAdapter {
  return typeof adapter.testConnection === 'function';
}

/**
 * The host's consent rule, applied before the adapter sees an event (as its worker does): an event
 * whose consent denies one of the manifest's categories is filtered. An event without consent goes.
 */
export function consentDenied(event: DataflyEvent): { code: 'consent_denied'; message: string } | undefined {
  const denial = consentDenial(event, heap.manifest.consent_categories);
  return denial && { code: 'consent_denied', message: denial.message };
}

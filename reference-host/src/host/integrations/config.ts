import type { Blueprint, FieldIssue, IntegrationPlugin } from '@datafly/heap-integration/contract';
import { checkBlueprint, fieldIssues, unknownKeys } from '@datafly/heap-integration/contract';
import { badRequest } from '../errors.js';
import type { SecretBox } from '../secrets.js';

/** What every API answer shows instead of a secret. */
export const SECRET_MASK = '********';

/** The config keys a plugin marks as secret (`type: "secret"` in its manifest). */
export function secretKeys(plugin: IntegrationPlugin): Set<string> {
  return new Set(plugin.manifest.config_fields.filter((f) => f.type === 'secret').map((f) => f.key));
}

/**
 * A config checked against the plugin: every key must be one of the manifest's fields (a typo is
 * named, with the field it probably meant), then the plugin's own schema has the last word.
 */
export function validateConfig(plugin: IntegrationPlugin, config: Record<string, unknown>): Record<string, unknown> {
  const unknown = unknownKeys(config, plugin.manifest.config_fields.map((f) => f.key), 'config');
  if (unknown.length > 0) throw invalid(`The ${plugin.manifest.name} config is invalid`, unknown);
  const parsed = plugin.configSchema.safeParse(config);
  if (!parsed.success) throw invalid(`The ${plugin.manifest.name} config is invalid`, fieldIssues(parsed.error, 'config'));
  return parsed.data as Record<string, unknown>;
}

/**
 * Secrets given as the mask: on install there is no stored value for the mask to keep, so storing it
 * would make "********" the key (deliveries would go on, since events carry no key, and only Test
 * connection and user deletions would fail).
 */
export function maskedSecretIssues(plugin: IntegrationPlugin, config: Record<string, unknown>): FieldIssue[] {
  return [...secretKeys(plugin)]
    .filter((k) => config[k] === SECRET_MASK)
    .map((k) => ({ field: `config.${k}`, message: `is the mask "${SECRET_MASK}" that answers show in place of a secret: give the value itself` }));
}

/** A blueprint checked as data, whole (the contract's checkBlueprint); no adapter built. */
export function validateBlueprint(plugin: IntegrationPlugin, input: unknown): Blueprint {
  const checked = checkBlueprint(plugin, input, 'blueprint');
  if (!checked.ok) throw invalid('The blueprint is invalid', checked.issues);
  return checked.blueprint;
}

export function invalid(what: string, fields: FieldIssue[]) {
  return badRequest(`${what}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
}

/** Splits a config into its plain fields and its secret fields, each secret sealed. */
export function sealConfig(plugin: IntegrationPlugin, config: Record<string, unknown>, box: SecretBox): { config_json: string; secrets_json: string } {
  const secrets = secretKeys(plugin);
  const plain: Record<string, unknown> = {};
  const sealed: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (secrets.has(k) && typeof v === 'string') sealed[k] = box.seal(v);
    else plain[k] = v;
  }
  return { config_json: JSON.stringify(plain), secrets_json: JSON.stringify(sealed) };
}

/** The config with its secrets opened: for adapters, never for answers. */
export function openConfig(row: { config_json: string; secrets_json: string }, box: SecretBox): Record<string, unknown> {
  const sealed = JSON.parse(row.secrets_json) as Record<string, string>;
  return { ...JSON.parse(row.config_json), ...Object.fromEntries(Object.entries(sealed).map(([k, v]) => [k, box.open(v)])) };
}

/** Secrets become the mask; fields come in the manifest's order, so a form and an answer read alike. */
export function maskConfig(plugin: IntegrationPlugin | undefined, config: Record<string, unknown>): Record<string, unknown> {
  const secrets = plugin ? secretKeys(plugin) : new Set<string>();
  const order = plugin?.manifest.config_fields.map((f) => f.key) ?? [];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(
    Object.entries(config)
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([k, v]) => [k, secrets.has(k) && v !== undefined && v !== '' ? SECRET_MASK : v]),
  );
}

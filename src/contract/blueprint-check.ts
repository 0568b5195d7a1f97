import { blueprintLimitIssues } from './blueprint-limits.js';
import { BlueprintSchema, type Blueprint } from './blueprint.js';
import type { IntegrationPlugin } from './plugin.js';
import { fieldIssues, type FieldIssue } from './validation.js';

export type BlueprintCheck = { ok: true; blueprint: Blueprint } | { ok: false; issues: FieldIssue[] };

/**
 * A blueprint checked as data for one plugin, whole: the contract's shape, the plugin's own options
 * (`blueprintOptionsSchema`), and that it is for this plugin. Every unknown key is named, with the
 * key it probably meant; one too large or too deep is refused before it is parsed (BLUEPRINT_LIMITS).
 * Fields are named from the blueprint's root, after `prefix` (`blueprint`).
 */
export function checkBlueprint(plugin: Pick<IntegrationPlugin, 'manifest' | 'blueprintOptionsSchema'>, input: unknown, prefix = ''): BlueprintCheck {
  const within = (field: string) => [prefix, field === '(root)' && prefix ? '' : field].filter(Boolean).join('.');
  const bounds = blueprintLimitIssues(input, within);
  if (bounds.length > 0) return { ok: false, issues: bounds };
  const parsed = BlueprintSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: fieldIssues(parsed.error, prefix, BlueprintSchema) };
  const issues: FieldIssue[] = [];
  const { integration } = parsed.data;
  if (integration !== undefined && integration !== plugin.manifest.key) {
    issues.push({ field: within('integration'), message: `is "${integration}", but this blueprint is for ${plugin.manifest.key}: set "${plugin.manifest.key}" or leave it out` });
  }
  const options = plugin.blueprintOptionsSchema.safeParse(parsed.data.options);
  if (!options.success) issues.push(...fieldIssues(options.error, within('options'), plugin.blueprintOptionsSchema));
  return issues.length > 0 ? { ok: false, issues } : { ok: true, blueprint: parsed.data };
}

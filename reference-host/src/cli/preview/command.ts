import { describeIssues, unknownKeys } from '@datafly/heap-integration/contract';
import type { HeapConfig } from '@datafly/heap-integration';
import { EXIT, RunFailure, UsageError } from '../failures.js';
import { heap, heapAdapter, heapConfig, PLACEHOLDER_APP_ID, readBlueprint, readJsonFile } from '../installation.js';
import { parseEvents, readInput, refuseNotUtf8 } from './input.js';
import { previewEvents } from './preview.js';
import { renderJson, renderText } from './render.js';

export interface PreviewOptions {
  blueprint?: string;
  config?: string;
  json?: boolean;
}

/** The config fields a preview takes from `--config`; the API key is never needed, so never read. */
const PREVIEW_FIELDS = ['app_id', 'region', 'endpoint', 'timeout_ms'] as const;

/** `heap-integration preview`: prints what deliver() would send for the events, sends nothing. */
export async function runPreview(file: string | undefined, options: PreviewOptions): Promise<number> {
  const config = previewConfig(options.config);
  const blueprint = readBlueprint(options.blueprint);
  if (options.config === undefined) {
    process.stderr.write(
      `no --config: previewing for the placeholder app_id ${config.app_id} in region ${config.region}; give --config config.json with your app_id (and region, endpoint) to preview your app's requests\n`,
    );
  }
  const input = await readInput(file);
  const parsed = parseEvents(input.name, input.text);
  const items = input.utf8 ? parsed : refuseNotUtf8(parsed);
  const name = input.name;
  if (items.length === 0) throw new RunFailure(`${name} holds no events`);
  const adapter = heapAdapter(config, blueprint);
  try {
    const preview = previewEvents(items, adapter, Date.now);
    process.stdout.write(options.json ? renderJson(preview) : renderText(preview));
    return preview.results.some((r) => r.status === 'failed') ? EXIT.failed : EXIT.ok;
  } finally {
    await adapter.close();
  }
}

function previewConfig(file: string | undefined): HeapConfig {
  if (file === undefined) return heapConfig({ app_id: PLACEHOLDER_APP_ID }, undefined, (field) => field);
  const json = readJsonFile(file, '--config');
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UsageError(`--config ${file}: must be a JSON object such as {"app_id": "${PLACEHOLDER_APP_ID}", "region": "us"}`);
  const record = json as Record<string, unknown>;
  // Any field of an installation's config may be there (a copy of one, api_key too); a key that is none is a typo.
  const typos = unknownKeys(record, heap.manifest.config_fields.map((f) => f.key));
  if (typos.length > 0) throw new UsageError(`--config ${file}: ${describeIssues(typos)}`);
  const fields = Object.fromEntries(PREVIEW_FIELDS.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]));
  try {
    return heapConfig(fields, undefined, (field) => field);
  } catch (error) {
    throw error instanceof UsageError ? new UsageError(`--config ${file}: ${error.message}`) : error;
  }
}

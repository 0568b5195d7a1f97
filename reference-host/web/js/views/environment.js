// Where an integration's events go, in the manifest's words: the environment (app id), the region,
// the endpoint override. Shown prominently: "wrong environment" is the guide's first cause of
// "no events appearing".
import { configValue } from './config-form.js';

/** [label, value] rows: app id, region, and the endpoint override when one is set. */
export function environmentOf(manifest, config) {
  const fields = new Map(manifest.config_fields.map((f) => [f.key, f]));
  const rows = [];
  if (fields.has('app_id')) rows.push([fields.get('app_id').label, configValue(fields.get('app_id'), config.app_id)]);
  if (fields.has('region')) rows.push([fields.get('region').label, configValue(fields.get('region'), config.region ?? fields.get('region').default)]);
  if (fields.has('endpoint') && config.endpoint) rows.push([fields.get('endpoint').label, config.endpoint]);
  return rows;
}

/** "app 1234567890 (US (heapanalytics.com), endpoint override http://…)": for dialogs. */
export function environmentWords(manifest, config) {
  const region = manifest.config_fields.find((f) => f.key === 'region');
  const extras = [region ? configValue(region, config.region ?? region.default) : null, config.endpoint ? `endpoint override ${config.endpoint}` : null].filter(Boolean);
  return `app ${config.app_id}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/** A message for the next drawing of a page (after an action that re-renders it). */
let flash;
export function flashNext(message) {
  flash = message;
}
export function takeFlash() {
  const message = flash;
  flash = undefined;
  return message;
}

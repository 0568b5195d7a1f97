import { join } from 'node:path';
import type { Environment } from './environment.js';
import type { Host } from './host/host.js';
import { describePostgres } from './host/store/engine.js';
import type { HeapSandbox } from './sandbox/server.js';

/** `npm start --help`. */
export const USAGE = [
  'Usage: npm start [-- --demo]   (or: node reference-host/dist/start.js [--demo])',
  '',
  'Starts the reference host (Management API, ingestion, delivery, the page) and, unless HEAP_SANDBOX=off,',
  'a Heap sandbox beside it. --demo also installs Heap against the sandbox and sends a sample session.',
  'Configuration is by environment variable (PORT, DATA_DIR, DATABASE_URL, DATAFLY_*, HEAP_SANDBOX*):',
  'every one is listed in docs/reference-host.md, section Configuration.',
  '',
].join('\n');

/** What `npm start` started, for the lines it prints. */
export interface Started {
  host: Host;
  env: Environment;
  dataDir: string;
  /** The embedded sandbox, its app id and the file that holds its API key. */
  sandbox?: { server: HeapSandbox; appId: string; keyFile: string };
  demo: boolean;
}

/** How a curl command names a token: the variable it was given in, or the file it was generated into. */
function bearer({ env, dataDir }: Started, name: 'DATAFLY_ADMIN_TOKEN' | 'DATAFLY_PIPELINE_KEY', file: string): string {
  return env[name] ? `$${name}` : `$(cat ${join(dataDir, file)})`;
}

export const adminAuth = (started: Started) => bearer(started, 'DATAFLY_ADMIN_TOKEN', 'admin.token');

/**
 * Where everything is: the page, the Management API and ingestion, the OpenAPI document, the sandbox,
 * and copy-paste curl commands. A token is shown only when this start generated it.
 */
export function startBanner(started: Started): string {
  const { host, env, dataDir, sandbox } = started;
  const pipelineAuth = bearer(started, 'DATAFLY_PIPELINE_KEY', 'pipeline.key');
  const tokenLine = (what: string, value: string, generated: boolean, file: string, variable: string) =>
    generated ? `${what} ${value} (generated now, stored in ${join(dataDir, file)})` : `${what} from ${env[variable as 'DATAFLY_ADMIN_TOKEN'] ? variable : join(dataDir, file)}`;
  const lines = [
    '',
    `Datafly reference host with the Heap plugin: ${host.url}   (instance ${host.instanceId})`,
    `  Storage:                  ${env.DATABASE_URL ? `PostgreSQL at ${describePostgres(env.DATABASE_URL)} (cluster mode)` : `SQLite in ${dataDir}`}`,
    `  Integration Library page: ${host.url}/`,
    `  Management API:           ${host.url}/v1/admin   (${tokenLine('admin token', host.adminToken, host.generated.adminToken, 'admin.token', 'DATAFLY_ADMIN_TOKEN')})`,
    `  Ingestion:                ${host.url}/v1/batch   (${tokenLine('pipeline key', host.pipelineKey, host.generated.pipelineKey, 'pipeline.key', 'DATAFLY_PIPELINE_KEY')})`,
    `  API description:          ${host.url}/v1/openapi.json`,
  ];
  if (sandbox) {
    lines.push(
      `  Heap sandbox:             ${sandbox.server.url}   (app_id ${sandbox.appId}, API key in ${sandbox.keyFile}; its state lives in memory)`,
      `  What Heap received:       ${sandbox.server.url}/__sandbox/requests, /events, /users, /accounts, /merges, /deletions, /stats (faults: /__sandbox/faults)`,
    );
  }
  const heapInstalled = host.directory.list().some((i) => i.catalogKey === 'heap');
  // --demo installs one itself: printing the command too would invite a second.
  if (sandbox && !heapInstalled && !started.demo) {
    lines.push(
      '',
      'Install Heap against the sandbox:',
      `  curl -X POST ${host.url}/v1/admin/integration-catalog/heap/install \\`,
      `    -H "Authorization: Bearer ${adminAuth(started)}" -H "Content-Type: application/json" \\`,
      `    -d '{"name": "Heap", "variant": "default", "config": {"app_id": "${sandbox.appId}", "api_key": "'"$(cat ${sandbox.keyFile})"'", "endpoint": "${sandbox.server.url}"}, "delivery_mode": "server_side"}'`,
    );
  }
  lines.push(
    '',
    'Send an event:',
    `  curl -X POST ${host.url}/v1/t -H "Authorization: Bearer ${pipelineAuth}" -H "Content-Type: application/json" \\`,
    `    -d '{"event": "Product Viewed", "anonymousId": "anon-1", "properties": {"sku": "RUN-42", "price": 89.9}}'`,
    '',
  );
  return lines.join('\n');
}

/** `1 event`, `2 events`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** What --demo did: what was sent, what the sandbox received, where to look. */
export function demoReport(started: Started & { sandbox: NonNullable<Started['sandbox']> }, integrationId: string, accepted: number): string {
  const { host, sandbox } = started;
  const stats = sandbox.server.stats();
  return [
    `Demo: ${integrationId} sent ${count(accepted, 'event')}; the Heap sandbox received ${count(stats.requests, 'request')} (${count(stats.events_accepted, 'event')}, ${count(stats.users, 'user')}, ${count(stats.accounts, 'account')}, ${count(stats.merges, 'merge')}).`,
    `  Delivery logs:  curl -H "Authorization: Bearer ${adminAuth(started)}" ${host.url}/v1/admin/integrations/${integrationId}/delivery-logs`,
    `  Heap requests:  curl ${sandbox.server.url}/__sandbox/requests`,
    `  Page:           ${host.url}/#/integrations/${integrationId}`,
    '',
  ].join('\n');
}

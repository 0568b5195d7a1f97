import { parseArgs } from 'node:util';
import { HeapSandbox } from './server.js';

/**
 * `npm run sandbox -- --port 8085`: a local Heap for manual testing. Credentials for auth_token
 * come from HEAP_SANDBOX_APP_ID / HEAP_SANDBOX_API_KEY (defaults below are for local use only).
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.HEAP_SANDBOX_PORT ?? '8085' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-limits': { type: 'boolean', default: false },
    'max-recorded': { type: 'string', default: '50000' },
  },
});

const sandbox = await new HeapSandbox({
  port: Number(values.port),
  host: values.host,
  credentials: [{ app_id: process.env.HEAP_SANDBOX_APP_ID ?? '1234567890', api_key: process.env.HEAP_SANDBOX_API_KEY ?? 'sandbox-api-key' }],
  limits: { enabled: !values['no-limits'] },
  maxRecorded: Number(values['max-recorded']),
}).start();

console.log(`Heap sandbox listening on ${sandbox.url}`);
console.log(`  inspect: GET ${sandbox.url}/__sandbox/requests, /__sandbox/events, /__sandbox/stats`);
console.log(`  faults:  POST ${sandbox.url}/__sandbox/faults {"status": 500, "count": 3}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void sandbox.stop().then(() => process.exit(0)));
}

import { DEFAULT_SANDBOX_API_KEY, optionsFromCommandLine } from './cli-options.js';
import type { SandboxOptions } from './options.js';
import { HeapSandbox } from './server.js';

/** `npm run sandbox`: a local Heap for manual testing and benchmarks; flags in cli-options.ts. */
let sandbox: HeapSandbox;
let options: SandboxOptions;
try {
  options = optionsFromCommandLine(process.argv.slice(2), process.env);
  sandbox = new HeapSandbox(options);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
await sandbox.start();
console.log(`Heap sandbox listening on ${sandbox.url}, for ${sandbox.describeAppIds()}`);
// A test credential, not a real key: printed only when it is the default, so a key given in the environment stays out of logs.
const [{ app_id, api_key }] = options.credentials!;
const key = api_key === DEFAULT_SANDBOX_API_KEY ? `api_key ${DEFAULT_SANDBOX_API_KEY} (HEAP_SANDBOX_API_KEY chooses another)` : 'api_key from HEAP_SANDBOX_API_KEY';
console.log(`  credentials (auth_token: Test connection, user deletion, backfill): app_id ${app_id}, ${key}`);
console.log(`  inspect: GET ${sandbox.url}/__sandbox/requests, /__sandbox/events, /__sandbox/stats, /__sandbox/deletions`);
console.log(`  faults:  POST ${sandbox.url}/__sandbox/faults {"status": 500, "count": 3}`);
console.log('  state lives in memory: a restart starts empty');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void sandbox.stop().then(() => process.exit(0)));
}

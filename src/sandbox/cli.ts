import { optionsFromCommandLine } from './cli-options.js';
import { HeapSandbox } from './server.js';

/** `npm run sandbox`: a local Heap for manual testing and benchmarks; flags in cli-options.ts. */
let sandbox: HeapSandbox;
try {
  sandbox = new HeapSandbox(optionsFromCommandLine(process.argv.slice(2), process.env));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
await sandbox.start();
console.log(`Heap sandbox listening on ${sandbox.url}, for ${sandbox.describeAppIds()}`);
console.log(`  inspect: GET ${sandbox.url}/__sandbox/requests, /__sandbox/events, /__sandbox/stats, /__sandbox/deletions`);
console.log(`  faults:  POST ${sandbox.url}/__sandbox/faults {"status": 500, "count": 3}`);
console.log('  state lives in memory: a restart starts empty');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void sandbox.stop().then(() => process.exit(0)));
}

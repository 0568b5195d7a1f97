import { parseArgs } from 'node:util';
import type { SandboxOptions } from './options.js';

/**
 * The sandbox's command line (`npm run sandbox -- --port 8085`, `node dist/sandbox/cli.js`) as options.
 *
 *   --port, --host             where it listens (HEAP_SANDBOX_PORT)
 *   --no-limits                no rate limits
 *   --max-recorded N           requests and events kept for inspection
 *
 * The credentials auth_token accepts come from HEAP_SANDBOX_APP_ID / HEAP_SANDBOX_API_KEY (the
 * defaults below are for local use only).
 */
export function optionsFromCommandLine(args: string[], env: NodeJS.ProcessEnv): SandboxOptions {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: env.HEAP_SANDBOX_PORT ?? '8085' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-limits': { type: 'boolean', default: false },
      'max-recorded': { type: 'string', default: '50000' },
    },
  });
  return {
    port: Number(values.port),
    host: values.host,
    credentials: [{ app_id: env.HEAP_SANDBOX_APP_ID ?? '1234567890', api_key: env.HEAP_SANDBOX_API_KEY ?? 'sandbox-api-key' }],
    limits: { enabled: !values['no-limits'] },
    maxRecorded: Number(values['max-recorded']),
  };
}

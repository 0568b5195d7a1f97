import { parseArgs } from 'node:util';
import type { SandboxOptions } from './options.js';

/** The standalone sandbox's API key unless HEAP_SANDBOX_API_KEY names another (a test credential). */
export const DEFAULT_SANDBOX_API_KEY = 'sandbox-api-key';

/**
 * The sandbox's command line (`npm run sandbox -- --port 8085`, `node dist/sandbox/cli.js`) as options.
 *
 *   --port, --host             where it listens (HEAP_SANDBOX_PORT)
 *   --no-limits                no rate limits
 *   --max-recorded N           requests and events kept for inspection
 *   --max-raw-body-bytes N     how much of each raw body is kept (default 1 MiB; 0 keeps none)
 *   --app-id ID                another app of the account (repeatable; HEAP_SANDBOX_APP_IDS=1,2,3)
 *   --any-app-id               every app_id is an app of the account (benchmarks with many apps)
 *   --reject-unknown-app-ids   answer 400 for an unknown app_id instead of Heap's reported 200 + drop
 *   --deletion-delay-ms N      a user deletion is complete N ms after the request (default: once polled)
 *
 * The credentials auth_token accepts come from HEAP_SANDBOX_APP_ID / HEAP_SANDBOX_API_KEY (the
 * defaults below are for local use only); that app_id is an app of the account too. Throws an
 * Error a person can act on when the flags contradict each other.
 */
export function optionsFromCommandLine(args: string[], env: NodeJS.ProcessEnv): SandboxOptions {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: env.HEAP_SANDBOX_PORT ?? '8085' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-limits': { type: 'boolean', default: false },
      'max-recorded': { type: 'string', default: '50000' },
      'max-raw-body-bytes': { type: 'string' },
      'app-id': { type: 'string', multiple: true, default: [] },
      'any-app-id': { type: 'boolean', default: false },
      'reject-unknown-app-ids': { type: 'boolean', default: false },
      'deletion-delay-ms': { type: 'string' },
    },
  });
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const appIds = [...(env.HEAP_SANDBOX_APP_IDS ?? '').split(','), ...values['app-id']].map((id) => id.trim()).filter((id) => id !== '');
  if (values['any-app-id'] && (appIds.length > 0 || values['reject-unknown-app-ids'])) {
    throw new Error('--any-app-id accepts every app_id: leave out --app-id, HEAP_SANDBOX_APP_IDS and --reject-unknown-app-ids');
  }
  return {
    port: Number(values.port),
    host: values.host,
    credentials: [{ app_id: env.HEAP_SANDBOX_APP_ID ?? '1234567890', api_key: env.HEAP_SANDBOX_API_KEY ?? DEFAULT_SANDBOX_API_KEY }],
    appIds: values['any-app-id'] ? '*' : appIds,
    unknownAppIds: values['reject-unknown-app-ids'] ? 'reject' : 'drop',
    limits: { enabled: !values['no-limits'] },
    maxRecorded: Number(values['max-recorded']),
    maxRawBodyBytes: number(values['max-raw-body-bytes']),
    deletionDelayMs: number(values['deletion-delay-ms']),
  };
}

import { INSTALLATION_CODES, type DeliveryCode } from '@datafly/heap-integration/contract';
import type { ConnectionTestOutcome } from './connection-test.js';
import type { Integration } from './model.js';

/** What the check right after an install or a config change found, as the answer reports it. */
export type CredentialsCheckResult =
  | { state: 'passed'; message: string }
  /** The vendor refused the installation (wrong key, not its API): delivery is paused, events held. */
  | { state: 'failed'; code: string; message: string; http_status?: number }
  /** The vendor could not be asked (unreachable, slow): delivery runs, and its first batch will tell. */
  | { state: 'unverified'; code?: string; message: string }
  /** Still waiting for the vendor when the answer went; the check goes on, and a refusal will pause delivery. */
  | { state: 'checking'; message: string };

/**
 * Asks the vendor about an installation's credentials as soon as they are stored, so a wrong API key
 * shows on the integration at once (paused with the vendor's answer, by the connection test) instead
 * of as failed deliveries later. An unreachable vendor never blocks the install: the answer waits at
 * most `waitMs`, and a test still running then finishes on its own.
 */
export async function checkCredentials(test: (integration: Integration) => Promise<ConnectionTestOutcome>, integration: Integration, waitMs: number): Promise<CredentialsCheckResult> {
  const outcome = test(integration).then(describe, (error: unknown) => ({ state: 'unverified' as const, message: `The credentials could not be checked: ${error instanceof Error ? error.message : String(error)}` }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
  });
  try {
    return (await Promise.race([outcome, waited])) ?? { state: 'checking', message: `The vendor did not answer within ${waitMs} ms; the check goes on, and a refusal will pause delivery` };
  } finally {
    clearTimeout(timer);
  }
}

function describe(result: ConnectionTestOutcome): CredentialsCheckResult {
  if (result.ok) return { state: 'passed', message: result.message };
  if (result.code && INSTALLATION_CODES.has(result.code as DeliveryCode)) {
    return { state: 'failed', code: result.code, message: result.message, ...(result.httpStatus ? { http_status: result.httpStatus } : {}) };
  }
  return { state: 'unverified', code: result.code, message: result.message };
}

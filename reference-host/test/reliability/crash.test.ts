import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/conditions.js';
import { FULL_SCALE, printFigures } from '../helpers/figures.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { PROCESS_TOKENS, startHostProcess } from '../helpers/host-process.js';

/**
 * The host process killed with SIGKILL while it delivers 10,000 events, then started again on the same
 * data directory. Heap is slow (every track request takes 150 ms), so a batch is in flight at the kill.
 */
const EVENTS = 10_000;
const KILL_AT = FULL_SCALE ? [0.1, 0.3, 0.5, 0.7, 0.9] : [0.2, 0.6];
const figures: Record<string, string | number>[] = [];
afterAll(() => printFigures('Crash (SIGKILL mid-delivery, restart on the same data directory)', figures));

describe('crash', () => {
  it.each(KILL_AT)('killed after %p of the events reached Heap: all delivered, none lost, duplicates only under the same key', async (fraction) => {
    const sandbox = await startSandbox();
    const dataDir = mkdtempSync(join(tmpdir(), 'datafly-crash-'));
    // Quick retries; the long last step only stretches the retry window, so a slow stretch on a busy
    // machine never expires waiting events into the dead letters.
    const env = { DATAFLY_RETRY_SCHEDULE_MS: '100,100,100,100,100,100,100,600000' };
    let host = await startHostProcess(dataDir, env);
    try {
      const admin = { authorization: `Bearer ${PROCESS_TOKENS.admin}`, 'content-type': 'application/json' };
      const installed = await fetch(`${host.url}/v1/admin/integration-catalog/heap/install`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } }),
      });
      expect(installed.status).toBe(201);
      sandbox.addFault({ path: '/api/track', latency_ms: 150 });

      const sent = new Set<string>();
      for (let i = 0; i < EVENTS; i += 1000) {
        const batch = Array.from({ length: 1000 }, (_, j) => {
          const messageId = `crash-${fraction}-${i + j}`;
          sent.add(messageId);
          return { type: 'track', event: 'Survived', userId: `user-${(i + j) % 997}`, messageId };
        });
        const answer = await fetch(`${host.url}/v1/batch`, { method: 'POST', headers: { ...admin, authorization: `Bearer ${PROCESS_TOKENS.pipeline}` }, body: JSON.stringify({ batch }) });
        expect(((await answer.json()) as { accepted: number }).accepted).toBe(1000);
      }
      await waitFor(() => sandbox.stats().unique_idempotency_keys >= EVENTS * fraction, { what: 'the kill point' });
      const atKill = sandbox.stats().unique_idempotency_keys;
      await host.kill();
      const firstOutput = host.output.join('');

      host = await startHostProcess(dataDir, env);
      await waitFor(() => sandbox.stats().unique_idempotency_keys === EVENTS, { what: 'every event at Heap' });
      // What the host still holds, as its operator sees it: the shared queue depth in /metrics.
      const metrics = async () => (await fetch(`${host.url}/metrics`, { headers: admin })).text();
      await waitFor(async () => !/^datafly_queue_depth\{[^}]*state="(pending|inflight)"\} [1-9]/m.test(await metrics()), { what: 'an empty queue' });
      const left = [...(await metrics()).matchAll(/^datafly_queue_depth\{[^}]*state="(\w+)"\} (\d+)$/gm)].map((m) => ({ state: m[1], n: Number(m[2]) })).filter((r) => r.n > 0);
      await host.stop();
      const stats = sandbox.stats();
      const keys = sandbox.recordedEvents().map((e) => e.idempotency_key!);
      figures.push({
        'kill point': `${Math.round(fraction * 100)}% (${atKill} at Heap)`,
        sent: EVENTS,
        'delivered (unique at Heap)': stats.unique_idempotency_keys,
        'resent, deduplicated by key': stats.duplicates,
        lost: EVENTS - stats.unique_idempotency_keys,
        'dead letters': left.find((r) => r.state === 'dead')?.n ?? 0,
        'Heap requests': stats.requests,
      });
      expect(left).toEqual([]);
      expect(`${firstOutput}${host.output.join('')}`).not.toContain(API_KEY);
      expect(keys).toHaveLength(EVENTS);
      expect(new Set(keys)).toEqual(sent);
    } finally {
      await host.kill();
      await sandbox.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});

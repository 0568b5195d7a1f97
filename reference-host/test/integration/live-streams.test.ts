import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import http, { type ServerResponse } from 'node:http';
import { LIVE_DEFAULTS } from '../../src/host/live/live-streams.js';
import type { DeliveryLogEntry } from '../../src/host/store/delivery-logs.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { eventParser, openStream, type StreamEvent } from '../helpers/event-stream.js';
import { waitFor } from '../helpers/conditions.js';
import { printFigures } from '../helpers/figures.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { captureQueries, readCost, type CapturedQuery } from '../helpers/queries.js';


/**
 * The live delivery stream under load: its reads are bound to what is new (not to the integration's
 * history), one reader per integration serves every stream of it, and a stream whose reader stops
 * reading is dropped before it holds more than its bound.
 */
describe.each(ENGINES)('live delivery streams on %s', (engine: EngineName) => {
  let sandbox: HeapSandbox;
  let host: TestHost;
  let logCount = 0;

  beforeAll(async () => {
    sandbox = await startSandbox();
    host = await startTestHost({}, { engine });
  });
  afterAll(async () => {
    await host.cleanup();
    await sandbox.stop();
  });

  const install = async (): Promise<string> => (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id;
  /** Delivery logs as any instance writes them (the stream reads the shared store, whoever wrote). */
  const append = async (integrationId: string, n: number, over: Partial<DeliveryLogEntry> = {}) => {
    const entries = Array.from({ length: n }, () => ({ integration_id: integrationId, message_id: `log-${++logCount}`, attempt: 1, status: 'delivered', warnings: [], duration_ms: 1, created_at: new Date().toISOString(), ...over }));
    for (let i = 0; i < entries.length; i += 1000) await host.store.logs.append(entries.slice(i, i + 1000));
    return entries.map((e) => e.message_id);
  };
  const streamUrl = (integrationId: string, query = '') => `${host.url}/v1/admin/integrations/${integrationId}/delivery-logs/stream${query}`;
  const logReads = (queries: CapturedQuery[]) => queries.filter((q) => /^select .* from "delivery_logs"/i.test(q.sql));

  it('reads what is new and the short look-back window, not the integration’s history', async () => {
    const id = await install();
    const history = 20_000;
    await append(id, history, { created_at: new Date(Date.now() - 3_600_000).toISOString() });
    if (engine === 'postgres') await sql`analyze delivery_logs`.execute(host.store.db);
    const stream = openStream(streamUrl(id, '?backlog=1'), host.adminToken);
    await waitFor(() => stream.events.length === 1, { what: 'the backlog' });
    const capture = captureQueries(host.store.db);
    try {
      await append(id, 3);
      await waitFor(() => stream.events.length === 4, { what: 'the new entries' });
      // Several polls after the new entries: their look-back reads included.
      await waitFor(() => logReads(capture.queries).length >= 8, { what: 'more polls' });
    } finally {
      capture.stop();
      await stream.close();
    }
    const figures: Record<string, string | number>[] = [];
    for (const query of logReads(capture.queries)) {
      const cost = await readCost(host.store.db, engine, 'delivery_logs', query);
      figures.push({ read: query.sql.replace(/^select .* from "delivery_logs" /i, '').slice(0, 90), rows: query.rows.length, plan: cost.steps.join('; '), examined: Number.isNaN(cost.examined) ? '' : cost.examined });
      if (engine === 'sqlite') {
        // Every step seeks into an index from the reader's cursor (an id bound below, or ids given).
        for (const step of cost.steps) expect(step).toMatch(/^SEARCH delivery_logs USING (COVERING )?INDEX \w+ \(integration_id=\? AND id[>=]\?/);
      } else {
        expect(cost.examined).toBeLessThan(100);
      }
    }
    printFigures(`Live stream reads on ${engine}, the integration holding ${history + 4} delivery logs`, figures);
  });

  it('reads each new entry once for every stream of the integration, with one reader', async () => {
    const a = await install();
    const b = await install();
    await append(a, 1);
    await append(b, 1);
    const ofA = Array.from({ length: 5 }, () => openStream(streamUrl(a, '?backlog=1'), host.adminToken));
    const ofB = openStream(streamUrl(b, '?backlog=1'), host.adminToken);
    await waitFor(() => ofA.every((s) => s.events.length === 1) && ofB.events.length === 1, { what: 'the backlogs' });
    const capture = captureQueries(host.store.db);
    const [newOfA] = await append(a, 1);
    const [newOfB] = await append(b, 1);
    try {
      await waitFor(() => ofA.every((s) => s.events.some((e) => e.data.message_id === newOfA)) && ofB.events.some((e) => e.data.message_id === newOfB), { what: 'the new entries on every stream' });
    } finally {
      capture.stop();
    }
    const readsOf = (messageId: string) => capture.queries.filter((q) => q.rows.some((r) => r.message_id === messageId)).length;
    expect([readsOf(newOfA), readsOf(newOfB)]).toEqual([1, 1]);
    expect(host.live.readerCount).toBe(2);
    // The reader stops with the last stream of its integration.
    for (const s of ofA.slice(1)) await s.close();
    expect(host.live.readerCount).toBe(2);
    await ofA[0].close();
    await waitFor(() => host.live.readerCount === 1, { what: 'the reader of the closed streams to stop' });
    await ofB.close();
    await waitFor(() => host.live.readerCount === 0, { what: 'the last reader to stop' });
  });

  it('drops a stream whose reader stops reading, having held at most its bound, and resumes it after Last-Event-ID without a gap', async () => {
    const id = await install();
    await append(id, 1);
    // What the host buffered for the stream, seen on its response itself.
    let response: ServerResponse | undefined;
    let mostBuffered = 0;
    const watch = (req: http.IncomingMessage, res: ServerResponse) => {
      if (!req.url?.includes(`/${id}/delivery-logs/stream`) || response) return;
      response = res;
      const write = res.write;
      res.write = function (this: ServerResponse, ...args: Parameters<typeof write>) {
        const accepted = write.apply(this, args);
        mostBuffered = Math.max(mostBuffered, this.writableLength);
        return accepted;
      } as typeof write;
    };
    host.app.server.prependListener('request', watch);
    const received: StreamEvent[] = [];
    const push = eventParser((e) => received.push(e));
    let ended = false;
    const reader = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(streamUrl(id, '?backlog=1'), { headers: { authorization: `Bearer ${host.adminToken}` }, agent: false }, resolve).on('error', reject);
    });
    reader.setEncoding('utf8');
    reader.on('data', push);
    reader.on('end', () => (ended = true));
    await waitFor(() => received.length === 1, { what: 'the backlog' });
    // The reader stops reading: its socket fills, then what the host writes stays with the host.
    reader.pause();
    const rows = 1000;
    const large = { warnings: Array.from({ length: 4 }, (_, i) => `truncated property "p${i}": ${'x'.repeat(4000)}`) };
    await append(id, rows, large);
    try {
      await waitFor(() => response?.writableEnded === true, { what: 'the host to drop the stream' });
    } finally {
      host.app.server.removeListener('request', watch);
    }
    expect(mostBuffered).toBeLessThanOrEqual(LIVE_DEFAULTS.bufferBytes + 2048);

    reader.resume();
    await waitFor(() => ended, { what: 'the end of the dropped stream' });
    const last = received.at(-1)!;
    expect(last.event).toBe('dropped');
    expect(last.data.code).toBe('stream_behind');
    expect(last.data.message).toMatch(/Last-Event-ID/);
    const firstIds = received.filter((e) => e.event === 'delivery').map((e) => e.id!);
    const resumed = openStream(streamUrl(id), host.adminToken, Math.max(...firstIds));
    const all = (await host.store.logs.page(id, { limit: rows + 10 })).rows.map((r) => r.id).reverse();
    try {
      await waitFor(() => firstIds.length + resumed.events.length >= all.length, { what: 'the resumed stream' });
    } finally {
      await resumed.close();
    }
    expect([...firstIds, ...resumed.events.map((e) => e.id)]).toEqual(all);
    printFigures(`A stream that stopped reading on ${engine}`, [
      { 'rows written': rows, 'bytes of warnings written': rows * JSON.stringify(large.warnings).length, 'most buffered by the host (bytes)': mostBuffered, 'bound (bytes)': LIVE_DEFAULTS.bufferBytes, 'delivered before the drop': firstIds.length, 'delivered on resume': resumed.events.length },
    ]);
  });
});

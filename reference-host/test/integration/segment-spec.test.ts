import { describe, expect, it } from '@jest/globals';
import { EVENT_TYPES } from '@datafly/heap-integration/contract';
import { SINGLE_EVENT_PATHS } from '../../src/host/http/routes/ingestion.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { waitFor } from '../helpers/conditions.js';
import { API_KEY, APP_ID, TS } from '../helpers/heap.js';
import type { TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';

const ANON_1_USER_ID = '1639105742322265'; // anonymousUserId('anon-1'), see test/unit/identity.test.ts

/**
 * Events as Segment-spec sources send them, through the host's ingestion to the Heap sandbox: what the
 * contract accepts, ingestion accepts, and what it refuses it refuses in one line that says how to fix it.
 */
describe.each(ENGINES)('Segment-spec events through the host on %s (judged by our Heap sandbox)', (engine: EngineName) => {
  let sandbox: HeapSandbox;
  let host: TestHost;

  hostOverSandbox(engine, {}, (started) => ({ host, sandbox } = started));

  const install = async () => {
    const answer = await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } });
    expect(answer.status).toBe(201);
    return answer.body.id as string;
  };
  const ingest = (path: string, body: unknown) => host.call('POST', path, body, host.pipelineKey);
  const sent = async (messageId: string) => {
    await waitFor(() => sandbox.recordedEvents().some((e) => e.idempotency_key === messageId), { what: `${messageId} at Heap` });
    return sandbox.recordedEvents().find((e) => e.idempotency_key === messageId)!;
  };
  const warningsOf = async (id: string, messageId: string) => {
    await waitFor(async () => (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?message_id=${messageId}`)).body.data.length > 0, { what: `${messageId} logged` });
    return (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?message_id=${messageId}`)).body.data[0].warnings as string[];
  };

  it('takes every event type of the contract on its one-event path and in a batch; a screen view reaches Heap as screenview', async () => {
    await install();
    const sample = (type: string) => ({ event: 'Sample', name: 'Home', groupId: 'acme', anonymousId: 'anon-1', userId: 'user-1', traits: { plan: 'pro' }, messageId: `path-${type}`, timestamp: TS });
    for (const type of EVENT_TYPES) {
      const answer = await ingest(SINGLE_EVENT_PATHS[type], sample(type));
      expect([type, answer.status, answer.body.accepted]).toEqual([type, 200, 1]);
    }
    expect((await ingest('/v1/s', { ...sample('screen'), type: 'page', messageId: 'wrong-type' })).body.rejected).toEqual([{ index: 0, field: 'type', reason: 'this endpoint takes screen events only' }]);
    const batch = await ingest('/v1/batch', { batch: [{ type: 'screen', name: 'Cart', anonymousId: 'anon-1', messageId: 'batch-screen', timestamp: TS, properties: { items: 2 } }] });
    expect(batch.body).toMatchObject({ accepted: 1, rejected: [] });
    expect(await sent('batch-screen')).toMatchObject({ user_id: ANON_1_USER_ID, event: 'screenview', properties: { items: 2, name: 'Cart' }, timestamp: TS });
    expect((await sent('path-screen')).event).toBe('screenview');
  });

  it('accepts properties, traits and context that are null, reads them as absent and says so in the delivery log', async () => {
    const id = await install();
    const answer = await ingest('/v1/batch', {
      batch: [
        { type: 'track', event: 'Nulls', userId: 'user-1', messageId: 'nulls-1', timestamp: TS, properties: null, traits: null, context: null },
        { type: 'page', anonymousId: 'anon-1', messageId: 'nulls-2', timestamp: TS, context: { page: null, traits: null } },
      ],
    });
    expect(answer.body).toMatchObject({ accepted: 2, rejected: [] });
    expect((await sent('nulls-1')).properties).toEqual({});
    expect(await warningsOf(id, 'nulls-1')).toEqual(['properties is null: read as absent']);
    expect(await warningsOf(id, 'nulls-2')).toEqual(['context.page is null: read as absent']);
  });

  it('never hides an originalTimestamp behind the time of acceptance; with sentAt, the sender’s clock is corrected by when the host received it', async () => {
    const id = await install();
    await ingest('/v1/t', { event: 'Offline', userId: 'user-1', messageId: 'orig-1', originalTimestamp: '2026-02-25T14:29:58.000Z' });
    expect((await sent('orig-1')).timestamp).toBe('2026-02-25T14:29:58.000Z');
    expect(await warningsOf(id, 'orig-1')).toEqual([
      "time from originalTimestamp 2026-02-25T14:29:58.000Z as sent (without a readable sentAt and receivedAt the sender's clock cannot be corrected)",
    ]);

    // The device clock runs 5 minutes ahead of its sentAt: the host stamps receivedAt, the plugin corrects.
    await ingest('/v1/t', { event: 'Skewed', userId: 'user-1', messageId: 'orig-2', originalTimestamp: '2026-02-25T14:00:00.000Z', sentAt: '2026-02-25T14:05:00.000Z' });
    const [note] = await warningsOf(id, 'orig-2');
    const parts = /^time from originalTimestamp 2026-02-25T14:00:00.000Z, corrected for the sender's clock: receivedAt (\S+) − \(sentAt 2026-02-25T14:05:00.000Z − originalTimestamp\) = (\S+)$/.exec(note);
    expect(parts).not.toBeNull();
    expect(parts![2]).toBe(new Date(Date.parse(parts![1]) - 5 * 60_000).toISOString());
    expect((await sent('orig-2')).timestamp).toBe(parts![2]);
  });

  it('takes a timestamp in epoch milliseconds; refuses one in seconds, saying the range and how to send it', async () => {
    await install();
    expect((await ingest('/v1/t', { event: 'Millis', userId: 'user-1', messageId: 'ms-1', timestamp: Date.parse(TS) })).body.accepted).toBe(1);
    expect((await sent('ms-1')).timestamp).toBe(TS);
    const seconds = await ingest('/v1/t', { event: 'Seconds', userId: 'user-1', messageId: 'ms-2', timestamp: Date.parse(TS) / 1000 });
    expect(seconds.status).toBe(400);
    expect(seconds.body.rejected).toEqual([
      {
        index: 0,
        field: 'timestamp',
        reason: 'as a number must be epoch milliseconds from 2000-01-01 to 2100-01-01 (946684800000 to 4102444799999); this looks like seconds: multiply by 1000; or send an ISO 8601 date-time such as 2026-02-25T14:30:00.000Z',
      },
    ]);
  });

  it('refuses an event whose only id is a placeholder such as 0, and hints at a misspelled userID in the refusal; 0 beside an anonymousId goes as anonymous', async () => {
    const id = await install();
    const zero = await ingest('/v1/batch', {
      batch: [
        { type: 'track', event: 'Zero', userId: 0, messageId: 'zero-1' },
        { type: 'track', event: 'Zero', userId: '0', anonymousId: 'null', messageId: 'zero-2' },
        { type: 'track', event: 'Typo', userID: 'user-1', messageId: 'zero-3' },
        { type: 'track', event: 'Zero', userId: '0', anonymousId: 'anon-1', messageId: 'zero-4', timestamp: TS },
      ],
    });
    expect(zero.body.rejected).toEqual([
      { index: 0, field: 'batch.0.userId', reason: 'userId 0 is a placeholder for no user (like "", "null", "undefined", "0"), not an id: an event needs a userId or an anonymousId' },
      { index: 1, field: 'batch.1.userId', reason: 'userId "0" is a placeholder for no user (like "", "null", "undefined", "0"), not an id: an event needs a userId or an anonymousId' },
      { index: 2, field: 'batch.2.anonymousId', reason: 'an event needs a userId or an anonymousId; "userID" is not an event field: did you mean "userId"?' },
    ]);
    expect(zero.body.events).toEqual([{ index: 3, messageId: 'zero-4' }]);
    expect(await sent('zero-4')).toMatchObject({ user_id: ANON_1_USER_ID, event: 'Zero' });
    expect(await warningsOf(id, 'zero-4')).toEqual(['userId "0" is a placeholder for no user (like "", "null", "undefined", "0"), not an id: sent as the anonymous user of anonymousId']);
    expect(sandbox.recordedEvents().map((e) => e.idempotency_key)).toEqual(['zero-4']);
  });
});

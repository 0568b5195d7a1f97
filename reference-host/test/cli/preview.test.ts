import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { API_KEY, APP_ID, heapAdapter, startSandbox, TS } from '../helpers/heap.js';
import { NOT_UTF8_REASON } from '../../src/common/utf8.js';
import { runCli } from './cli.js';

/** `heap-integration preview`: what deliver() would send, without sending, compared with what it does send. */
describe('heap-integration preview', () => {
  let sandbox: HeapSandbox;
  let dir: string;
  beforeAll(async () => {
    sandbox = await startSandbox();
    dir = mkdtempSync(join(tmpdir(), 'heap-cli-preview-'));
  });
  afterAll(async () => {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every kind of call: bulk track (page and track), user properties with a merge, account properties. */
  const events = [
    { type: 'page', anonymousId: 'anon-1', name: 'Home', context: { page: { url: 'https://shop.example/', title: 'Shop', path: '/' } }, messageId: 'p-1', timestamp: TS },
    { type: 'track', event: 'Product Viewed', userId: 'u-1', properties: { sku: 'A-1', price: '12.50', tags: ['new', 'sale'], dims: { w: 3 } }, messageId: 't-1', timestamp: TS },
    { type: 'track', event: 'Order Completed', userId: 'u-1', properties: { order_id: 77, revenue: '99.9', products: [{ sku: 'A-1' }, { sku: 'B-2' }] }, messageId: 't-2', timestamp: TS },
    { type: 'identify', userId: 'u-1', anonymousId: 'anon-1', traits: { email: 'ana@example.com', plan: 'pro', ID: 'x' }, messageId: 'i-1', timestamp: TS },
    { type: 'group', userId: 'u-1', groupId: 'acct-9', traits: { name: 'Example Ltd', seats: 12 }, messageId: 'g-1', timestamp: TS },
    { type: 'track', event: 'Ünïcode ✓', userId: 'u-2', properties: { note: 'a "quoted" \\ value\u2028' }, messageId: 't-3', timestamp: TS },
  ];

  it('--json previews, byte for byte, the requests deliver() sends to Heap for the same events, and a backfill of them sends', async () => {
    const file = join(dir, 'events.json');
    writeFileSync(file, JSON.stringify(events));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ app_id: APP_ID, endpoint: sandbox.url }));

    const run = await runCli(['preview', file, '--config', config, '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const preview = JSON.parse(run.stdout) as { requests: { method: string; url: string; body: string }[]; results: { status: string }[] };
    expect(preview.results.map((r) => r.status)).toEqual(events.map(() => 'send'));

    sandbox.reset();
    const adapter = heapAdapter(sandbox);
    const results = await adapter.deliver(events as DataflyEvent[]);
    await adapter.close();
    expect(results.map((r) => r.status)).toEqual(events.map(() => 'delivered'));
    const sent = sandbox.recordedRequests().map((r) => ({ method: r.method, url: `${sandbox.url}${r.path}`, body: r.raw_body }));
    const order = (a: { url: string; body: string }, b: { url: string; body: string }) => (a.url + a.body < b.url + b.body ? -1 : 1);
    expect(preview.requests.length).toBe(4);
    expect([...preview.requests].sort(order)).toEqual(sent.sort(order));

    // And a backfill of the same events sends those very bytes.
    sandbox.reset();
    const ndjson = join(dir, 'events.ndjson');
    writeFileSync(ndjson, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const backfill = await runCli(['backfill', ndjson, '--app-id', APP_ID, '--endpoint', sandbox.url], { HEAP_API_KEY: API_KEY });
    expect(backfill.code).toBe(0);
    const backfilled = sandbox.recordedRequests().filter((r) => r.path.startsWith('/api/') && !r.path.startsWith('/api/public/'));
    expect(backfilled.map((r) => ({ method: r.method, url: `${sandbox.url}${r.path}`, body: r.raw_body })).sort(order)).toEqual(sent);
  });

  it('says, for a person, each request pretty-printed and exact, and each event with its warnings and reasons', async () => {
    const input = [
      JSON.stringify(events[3]),
      '',
      JSON.stringify({ type: 'track', event: 'Signed Up', anonymousId: 'anon-2', messageId: 's-1', timestamp: TS, context: { consent: { analytics: false } } }),
      '{"type": "track"',
      JSON.stringify({ type: 'identify', anonymousId: 'anon-3', traits: { plan: 'free' }, messageId: 'i-2', timestamp: TS }),
    ].join('\n');
    const run = await runCli(['preview'], {}, input);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'no --config: previewing for the placeholder app_id 1234567890 in region us; give --config config.json with your app_id (and region, endpoint) to preview your app\'s requests\n',
    );
    let notJson = '';
    try {
      JSON.parse('{"type": "track"');
    } catch (error) {
      notJson = (error as Error).message;
    }
    const user = '{"app_id":"1234567890","users":[{"identity":"u-1","properties":{"email":"ana@example.com","plan":"pro"}}]}';
    const merge = '{"app_id":"1234567890","user_id":"1639105742322265","identity":"u-1","timestamp":"2026-02-25T14:30:00.000Z"}';
    expect(run.stdout).toBe(
      [
        '2 Heap requests (nothing was sent):',
        '',
        'request 1: POST https://heapanalytics.com/api/add_user_properties',
        JSON.stringify(JSON.parse(user), null, 2),
        `exact body (${user.length} bytes):`,
        user,
        '',
        'request 2: POST https://heapanalytics.com/api/v1/identify',
        JSON.stringify(JSON.parse(merge), null, 2),
        `exact body (${merge.length} bytes):`,
        merge,
        '',
        '4 events: 1 to send, 2 filtered, 1 failed',
        '  line 1  i-1  send → requests 1, 2',
        '               warning: dropped user property "ID": Heap does not allow "id" as a user property name',
        '  line 3  s-1  filtered (consent_denied): consent for "analytics" was not given',
        `  line 4  -    failed (invalid_event): not valid JSON (${notJson})`,
        '  line 5  i-2  filtered (unsupported): Heap cannot store user properties for an anonymous user: identify needs a userId',
        '',
      ].join('\n'),
    );
  });

  it('fills a missing messageId and timestamp as ingestion does, and says so', async () => {
    const run = await runCli(['preview', '-', '--json'], {}, JSON.stringify({ type: 'track', event: 'E', userId: 'u' }));
    expect(run.code).toBe(0);
    const [result] = (JSON.parse(run.stdout) as { results: { messageId: string; warnings: string[] }[] }).results;
    expect(result.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.warnings).toEqual([`messageId was missing: filled with ${result.messageId}, as ingestion does`, expect.stringMatching(/^timestamp was missing: filled with \d{4}-\d\d-\d\dT[\d:.]+Z, as ingestion does$/)]);
  });

  it('refuses what holds bytes that are not UTF-8, naming the field, as the host and the backfill do: an event alone, a config file whole', async () => {
    const garbled = (messageId: string, byte: number) =>
      Buffer.concat([Buffer.from(`{"type": "track", "event": "Checked", "messageId": "${messageId}", "timestamp": "${TS}", "userId": "user`), Buffer.from([byte]), Buffer.from('"}\n')]);
    const file = join(dir, 'not-utf8.ndjson');
    writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify(events[1])}\n`), garbled('bad-1', 0xc3), garbled('bad-2', 0xc4)]));
    const run = await runCli(['preview', file, '--json']);
    expect(run.code).toBe(1);
    const results = (JSON.parse(run.stdout) as { results: { status: string; message?: string }[] }).results;
    expect(results.map((r) => [r.status, r.message])).toEqual([
      ['send', undefined],
      ['failed', `userId: ${NOT_UTF8_REASON}`],
      ['failed', `userId: ${NOT_UTF8_REASON}`],
    ]);

    const config = join(dir, 'not-utf8-config.json');
    writeFileSync(config, Buffer.concat([Buffer.from(`{"app_id": "${APP_ID}", "region": "u`), Buffer.from([0xff]), Buffer.from('s"}')]));
    expect(await runCli(['preview', '--config', config], {}, '{}')).toMatchObject({ code: 2, stdout: '', stderr: `error: --config ${config}: region ${NOT_UTF8_REASON}\n` });
  });

  it('refuses a config or blueprint that does not validate, in one line naming the field, exit 2; never needs or prints the API key', async () => {
    const config = join(dir, 'bad-config.json');
    writeFileSync(config, JSON.stringify({ app_id: 'abc', region: 'mars', api_key: API_KEY }));
    const bad = await runCli(['preview', '--config', config], {}, '{}');
    expect(bad).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `error: --config ${config}: app_id: must be the numeric App ID of a Heap environment; region: must be us or eu\n`,
    });
    const typo = join(dir, 'typo-config.json');
    writeFileSync(typo, JSON.stringify({ app_id: APP_ID, regoin: 'eu' }));
    expect(await runCli(['preview', '--config', typo], {}, '{}')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `error: --config ${typo}: regoin: is not a known field; did you mean "region"?\n`,
    });
    const blueprint = join(dir, 'bad-blueprint.json');
    writeFileSync(blueprint, JSON.stringify({ version: 2, delivery_mode: 'server_side', defaults: { action: 'drop' }, options: { properties: { arrays: 'csv' } } }));
    expect(await runCli(['preview', '--blueprint', blueprint], {}, '{}')).toMatchObject({
      code: 2,
      stderr: `error: --blueprint ${blueprint}: options.properties.arrays: must be one of "join", "index", "json"\n`,
    });
    const good = join(dir, 'config-with-key.json');
    writeFileSync(good, JSON.stringify({ app_id: APP_ID, api_key: API_KEY }));
    const run = await runCli(['preview', '--config', good], {}, JSON.stringify(events[1]));
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
  });
});

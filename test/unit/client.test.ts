import { describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo } from 'node:net';
import { HeapClient } from '../../src/heap/client.js';
import { HeapConfigSchema } from '../../src/heap/config.js';

describe('Heap hosts', () => {
  it.each([
    ['us', 'https://heapanalytics.com', 'https://heapanalytics.com'],
    ['eu', 'https://c.eu.heap-api.com', 'https://heapanalytics.com'],
  ] as const)('%s: ingestion at %s, the privacy API at %s', (region, ingestion, privacy) => {
    const client = new HeapClient(HeapConfigSchema.parse({ app_id: '1', api_key: 'k', region }));
    expect([client.ingestionBase, client.privacyBase]).toEqual([ingestion, privacy]);
    client.close();
  });

  it('an endpoint override takes both, without its trailing slash', () => {
    const client = new HeapClient(HeapConfigSchema.parse({ app_id: '1', api_key: 'k', region: 'eu', endpoint: 'https://heap-proxy.example.com/' }));
    expect([client.ingestionBase, client.privacyBase]).toEqual(['https://heap-proxy.example.com', 'https://heap-proxy.example.com']);
    client.close();
  });
});

describe('what a request without an answer comes to', () => {
  it('a code and words of our own, never the API key, even where the endpoint carries it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = new HeapClient(HeapConfigSchema.parse({ app_id: '1', api_key: 'key-123', endpoint: `http://127.0.0.1:${port}/key-123` }));
    try {
      const outcome = await client.postJson(`${client.ingestionBase}/api/track`, '{}');
      expect(outcome).toEqual({
        ok: false,
        failure: { code: 'network_error', message: `Could not reach Heap at http://127.0.0.1:${port}/[redacted]/api/track: the connection was refused.` },
      });
    } finally {
      client.close();
    }
  });
});

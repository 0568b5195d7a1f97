import { describe, expect, it } from '@jest/globals';
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

import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { IntegrationPlugin } from '@datafly/heap-integration/contract';
import { HeapPlugin } from '@datafly/heap-integration';
import type { Integration } from '../../src/host/integrations/model.js';
import { RUNNING } from '../../src/host/integrations/model.js';
import { presentIntegration } from '../../src/host/integrations/presenter.js';

const API_KEY = 'heap-secret-key-7f3a';
const heap = new HeapPlugin();

function installed(config: Record<string, unknown>): Integration {
  return { id: 'int_1', catalogKey: 'heap', name: 'Heap', variant: 'default', deliveryMode: 'server_side', enabled: true, config, blueprint: heap.defaultBlueprint(), revision: 1, createdAt: '', updatedAt: '' };
}

/** Heap's card under another key, summarised by a function of one's choosing (or none). */
function plugin(describeInstallation?: IntegrationPlugin['describeInstallation']): IntegrationPlugin {
  return { manifest: heap.manifest, configSchema: heap.configSchema, blueprintOptionsSchema: heap.blueprintOptionsSchema, defaultBlueprint: () => heap.defaultBlueprint(), createAdapter: (c) => heap.createAdapter(c as never), ...(describeInstallation ? { describeInstallation } : {}) };
}

describe('the installation summary an integration answer carries', () => {
  const config = { app_id: '1234567890', api_key: API_KEY, region: 'eu', endpoint: 'https://heap-proxy.example.com', timeout_ms: 10_000 };

  it("is the plugin's: Heap names the app, the region by its label and the endpoint override, in its own words", () => {
    expect(presentIntegration(installed(config), heap, RUNNING, 0).summary).toEqual({
      facts: [
        { label: 'App ID', value: '1234567890' },
        { label: 'Data region', value: expect.stringMatching(/^EU/) },
        { label: heap.manifest.config_fields.find((f) => f.key === 'endpoint')!.label, value: 'https://heap-proxy.example.com' },
      ],
      destination: expect.stringMatching(/^app 1234567890 \(EU.*, endpoint override https:\/\/heap-proxy\.example\.com\)$/),
      help: expect.stringContaining('the environment of app 1234567890'),
      allowance: "Heap's allowance for this app",
      endpoint: 'https://heap-proxy.example.com',
    });
  });

  it('never shows a secret, even from a plugin that repeats every config value it is given', () => {
    const echoing = plugin((c) => ({ facts: Object.entries(c).map(([label, value]) => ({ label, value: String(value) })), destination: JSON.stringify(c), help: JSON.stringify(c) }));
    const answer = presentIntegration(installed(config), echoing, RUNNING, 0);
    expect(answer.summary.facts).toContainEqual({ label: 'api_key', value: '********' });
    expect(JSON.stringify(answer)).not.toContain(API_KEY);
    expect(JSON.stringify(presentIntegration(installed(config), heap, RUNNING, 0))).not.toContain(API_KEY);
  });

  it('without describeInstallation (or when it throws): the non-secret, non-advanced config fields under their labels', () => {
    const facts = [
      { label: 'App ID', value: '1234567890' },
      { label: 'Data region', value: expect.stringMatching(/^EU/) },
    ];
    expect(presentIntegration(installed(config), plugin(), RUNNING, 0).summary).toEqual({ facts, destination: expect.stringMatching(/^1234567890, EU/) });
    const failing = plugin(() => {
      throw new Error('no summary');
    });
    expect(presentIntegration(installed(config), failing, RUNNING, 0).summary).toEqual({ facts, destination: expect.any(String), help: 'The plugin could not describe this installation; its settings are shown instead.' });
  });
});

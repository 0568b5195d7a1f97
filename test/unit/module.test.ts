import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container, ContainerModule } from 'inversify';
import { z } from 'zod';
import { capabilityMismatches, fieldIssues, INTEGRATION_PLUGIN, type IntegrationPlugin } from '../../src/contract/index.js';
import { heapModule, HeapBlueprintOptionsSchema, HeapPlugin } from '../../src/index.js';

const dummy: IntegrationPlugin<{ token: string }> = {
  manifest: { ...new HeapPlugin().manifest, key: 'dummy', name: 'Dummy' },
  configSchema: z.object({ token: z.string() }),
  blueprintOptionsSchema: z.object({}),
  defaultBlueprint: () => new HeapPlugin().defaultBlueprint(),
  createAdapter: () => {
    throw new Error('not used');
  },
};
const dummyModule = new ContainerModule(({ bind }) => {
  bind(INTEGRATION_PLUGIN).toConstantValue(dummy);
});

describe('heapModule', () => {
  it('contributes the Heap plugin to INTEGRATION_PLUGIN beside other plugins', () => {
    const container = new Container();
    container.load(heapModule, dummyModule);
    const plugins = container.getAll<IntegrationPlugin>(INTEGRATION_PLUGIN);
    expect(plugins.map((p) => p.manifest.key).sort()).toEqual(['dummy', 'heap']);
    expect(plugins.find((p) => p.manifest.key === 'heap')).toBeInstanceOf(HeapPlugin);
  });

  it('binds the plugin as a singleton', () => {
    const container = new Container();
    container.load(heapModule);
    expect(container.get(INTEGRATION_PLUGIN)).toBe(container.get(INTEGRATION_PLUGIN));
  });

  it('offers hosts the blueprint options schema the adapter parses with: what one refuses, the other refuses in the same words', () => {
    const plugin = new HeapPlugin();
    expect(plugin.blueprintOptionsSchema).toBe(HeapBlueprintOptionsSchema);
    const blueprint = { ...plugin.defaultBlueprint(), options: { identity: { anonymous: 'cookie' } } };
    const checked = plugin.blueprintOptionsSchema.safeParse(blueprint.options);
    expect(checked.success ? [] : fieldIssues(checked.error, 'options')).toEqual([{ field: 'options.identity.anonymous', message: 'must be one of "user_id_hash", "identity", "drop"' }]);
    expect(() => plugin.createAdapter({ integrationId: 'i', config: { app_id: '1', api_key: 'k' } as never, blueprint })).toThrow(
      'Blueprint options is invalid: options.identity.anonymous: must be one of "user_id_hash", "identity", "drop"',
    );
    expect(plugin.blueprintOptionsSchema.parse({})).toEqual({ identity: { anonymous: 'user_id_hash', merge_on_identify: true, context_traits: 'user_properties' }, properties: { arrays: 'join' } });
  });

  it('offers user deletion, as its manifest declares, and every optional adapter method', async () => {
    const plugin = new HeapPlugin();
    const context = { integrationId: 'i', config: { app_id: '1', api_key: 'k' } as never, blueprint: plugin.defaultBlueprint() };
    const deletion = plugin.createUserDeletion(context);
    const adapter = plugin.createAdapter(context);
    expect([plugin.manifest.capabilities, capabilityMismatches(plugin), typeof deletion.deleteUsers, typeof deletion.deletionStatus]).toEqual([['user_deletion'], [], 'function', 'function']);
    expect([typeof adapter.testConnection, typeof adapter.rateLimitKey]).toEqual(['function', 'function']);
    await deletion.close();
    await adapter.close();
  });

  it('refuses an unknown variant and a config that does not validate, naming the field', () => {
    const plugin = new HeapPlugin();
    expect(() => plugin.defaultBlueprint('enterprise')).toThrow('Heap has no variant "enterprise" (known: default)');
    expect(() => plugin.createAdapter({ integrationId: 'i', config: { app_id: 'x', api_key: 'k' } as never, blueprint: plugin.defaultBlueprint() })).toThrow(
      'Heap config is invalid: config.app_id: must be the numeric App ID of a Heap environment',
    );
  });
});

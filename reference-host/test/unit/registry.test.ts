import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import type { IntegrationPlugin } from '@datafly/heap-integration/contract';
import { PluginRegistry } from '../../src/host/registry.js';
import { HeapPlugin } from '@datafly/heap-integration';

/** Heap's parts under another catalog key, with a default blueprint of one's choosing. */
function otherPlugin(key: string, blueprint: (heap: HeapPlugin) => unknown): IntegrationPlugin {
  const heap = new HeapPlugin();
  return {
    manifest: { ...heap.manifest, key, name: `Other ${key}`, capabilities: [] },
    configSchema: heap.configSchema,
    blueprintOptionsSchema: z.strictObject({}),
    defaultBlueprint: () => blueprint(heap) as never,
    createAdapter: () => {
      throw new Error('not used');
    },
  };
}

describe('PluginRegistry', () => {
  it('takes plugins whose default blueprints pass the same check the host gives an edited one', () => {
    const other = otherPlugin('other', (heap) => ({ ...heap.defaultBlueprint(), integration: 'other', options: {} }));
    const registry = new PluginRegistry([new HeapPlugin(), other]);
    expect(registry.list().map((p) => p.manifest.key)).toEqual(['heap', 'other']);
  });

  it('refuses at start a default blueprint written for another plugin, or with options its plugin does not take, naming the field', () => {
    const copied = otherPlugin('copied', (heap) => heap.defaultBlueprint());
    expect(() => new PluginRegistry([copied])).toThrow(
      'The default blueprint of plugin "copied", variant "default" is invalid: integration: is "heap", but this blueprint is for copied: set "copied" or leave it out; options.identity: is not a known field; options.properties: is not a known field',
    );
  });

  it('refuses at start, in one line naming the plugin and the capability, a declaration without its method and a method without its declaration', () => {
    const declares = { ...otherPlugin('declares', (heap) => ({ ...heap.defaultBlueprint(), integration: 'declares', options: {} })) };
    declares.manifest = { ...declares.manifest, capabilities: ['user_deletion'] };
    expect(() => new PluginRegistry([declares])).toThrow(new Error('Plugin "declares" declares the capability "user_deletion" but has no createUserDeletion method: declaration and methods must agree'));
    const undeclared = { ...otherPlugin('undeclared', (heap) => ({ ...heap.defaultBlueprint(), integration: 'undeclared', options: {} })), createUserDeletion: () => new HeapPlugin().createUserDeletion(undefined as never) };
    expect(() => new PluginRegistry([undeclared])).toThrow(
      new Error('Plugin "undeclared" has a createUserDeletion method but does not declare the capability "user_deletion" in its manifest: declaration and methods must agree'),
    );
  });

  it('refuses two plugins with one catalog key', () => {
    expect(() => new PluginRegistry([new HeapPlugin(), new HeapPlugin()])).toThrow('Two plugins claim the catalog key "heap": each integration needs its own key');
  });
});

import { describe, expect, it } from '@jest/globals';
import { keepHeapNearLiveSet } from '../../src/memory-tuning.js';

describe('keepHeapNearLiveSet', () => {
  const recorder = () => {
    const set: string[] = [];
    return { set, setFlags: (flags: string) => void set.push(flags) };
  };

  it('leaves an operator’s own growing factor alone, from the command line or NODE_OPTIONS', () => {
    const v8 = recorder();
    expect(keepHeapNearLiveSet(['--heap-growing-percent=200'], '', v8.setFlags)).toBe(false);
    expect(keepHeapNearLiveSet([], '--max-old-space-size=512 --heap_growing_percent=10', v8.setFlags)).toBe(false);
    expect(v8.set).toEqual([]);
  });

  it('sets the factor when none is given', () => {
    const v8 = recorder();
    expect(keepHeapNearLiveSet(['--enable-source-maps'], '--max-old-space-size=4096', v8.setFlags)).toBe(true);
    expect(v8.set).toEqual(['--heap-growing-percent=50']);
  });
});

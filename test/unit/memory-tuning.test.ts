import { describe, expect, it } from '@jest/globals';
import { getHeapStatistics } from 'node:v8';
import { keepHeapNearLiveSet } from '../../src/memory-tuning.js';

describe('keepHeapNearLiveSet', () => {
  it('leaves an operator’s own growing factor alone, from the command line or NODE_OPTIONS', () => {
    expect(keepHeapNearLiveSet(['--heap-growing-percent=200'], '')).toBe(false);
    expect(keepHeapNearLiveSet([], '--max-old-space-size=512 --heap_growing_percent=10')).toBe(false);
  });

  it('sets the factor when none is given, and the process keeps running with it', () => {
    expect(keepHeapNearLiveSet(['--enable-source-maps'], '--max-old-space-size=4096')).toBe(true);
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(0);
  });
});

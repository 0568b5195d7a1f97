import { describe, it } from '@jest/globals';
import { inCi } from './chromium-check.js';

/**
 * The browser suites' `describe`. When the run's global setup found no usable Chromium, it printed
 * one line saying so and put it in TEST_CHROMIUM_PROBLEM: the suite is then skipped, or under CI one
 * failing test carrying that line, so CI cannot skip it unnoticed.
 */
export function describeInChromium(name: string, suite: () => void): void {
  const problem = process.env.TEST_CHROMIUM_PROBLEM;
  if (!problem) return describe(name, suite);
  if (!inCi()) return describe.skip(name, suite);
  describe(name, () => {
    it('runs in Chromium', () => {
      const error = new Error(problem);
      error.stack = error.message;
      throw error;
    });
  });
}

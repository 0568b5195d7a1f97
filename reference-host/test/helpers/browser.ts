import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { hostPath } from './paths.js';

/** Debian's Chromium, installed by .ci/run; flags keep it off the (closed) network. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  // Known unusable since the run's global setup: say so at once, not after a launch timeout.
  if (process.env.TEST_CHROMIUM_PROBLEM) throw new Error(process.env.TEST_CHROMIUM_PROBLEM);
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Screenshots land here for a person to look at; git ignores the folder. */
export function artifactPath(name: string): string {
  mkdirSync(hostPath('test/artifacts'), { recursive: true });
  return hostPath(`test/artifacts/${name}`);
}

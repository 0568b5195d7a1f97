import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { CHROMIUM, launchChromium } from './browser.js';

/** Whether CI is set (CI=true, CI=1, …): there a browser suite that cannot run is a failure, never a skip. */
export function inCi(): boolean {
  const ci = process.env.CI?.toLowerCase();
  return !!ci && ci !== 'false' && ci !== '0';
}

/** Undefined when Chromium at CHROMIUM launches and closes; otherwise why not, in a few words. */
export async function chromiumProblem(): Promise<string | undefined> {
  try {
    if (!(await stat(CHROMIUM)).isFile()) return `${CHROMIUM} is not a file`;
  } catch {
    return `no Chromium at ${CHROMIUM}`;
  }
  try {
    await access(CHROMIUM, constants.X_OK);
  } catch {
    return `${CHROMIUM} is not executable`;
  }
  try {
    const browser = await launchChromium();
    await browser.close();
    return undefined;
  } catch (error) {
    // Playwright's message goes on with a call log; its first line says what failed.
    return `${CHROMIUM} did not launch (${(error as Error).message.split('\n')[0]})`;
  }
}

/** The one line a run prints when the browser suites cannot run. */
export function chromiumLine(problem: string): string {
  const what = inCi() ? 'fail (CI is set)' : 'not run';
  return `Browser tests (reference-host/test/browser) ${what}: ${problem}. Install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH to a Chromium.`;
}

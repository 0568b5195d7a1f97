import { StartupError } from './errors.js';
import { SecretTamperedError, type SecretBox } from './secrets.js';
import type { IntegrationRepository } from './store/integrations.js';

const CHECK_VALUE = 'datafly secret key check';

/**
 * Refuses to start with a secret key that does not open what the store holds sealed. Without this an
 * instance with another DATAFLY_SECRET_KEY would start healthy, load no integration (their API keys do
 * not open) and answer ingestion with "no integration installed" while the events went nowhere.
 * The first instance seals a known value; every later one opens it. A store from before the check is
 * checked against one stored secret first, so a wrong key cannot become the reference.
 * `source` names where the key came from, for the one line an operator reads.
 */
export async function checkSecretKey(integrations: IntegrationRepository, box: SecretBox, source: string): Promise<void> {
  const opens = (sealed: string) => {
    try {
      box.open(sealed);
      return true;
    } catch (error) {
      if (error instanceof SecretTamperedError) return false;
      throw error;
    }
  };
  const refuse = () =>
    new StartupError(
      `${source} is not the key the secrets in this database were sealed with, so the stored API keys cannot be opened: start every instance with the key the first one used (a new key cannot recover them)`,
    );
  const check = await integrations.keyCheck();
  if (check !== undefined) {
    if (!opens(check)) throw refuse();
    return;
  }
  const legacy = await integrations.anySealedSecrets();
  if (legacy !== undefined && !Object.values(JSON.parse(legacy) as Record<string, string>).every(opens)) throw refuse();
  await integrations.putKeyCheck(box.seal(CHECK_VALUE), new Date().toISOString());
  // Another instance may have written its check first: ours must open that one too.
  const written = await integrations.keyCheck();
  if (written === undefined || !opens(written)) throw refuse();
}

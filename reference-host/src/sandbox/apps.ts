import type { ResolvedSandboxOptions, SandboxCredentials } from './options.js';

/**
 * The app ids of the sandbox's Heap account: those of its credentials and of `appIds`, or any (`'*'`).
 * What Heap does with an app_id an account does not have is not documented; one integrator reports
 * a 200 and the data going nowhere, hence `drop` by default. `reject` answers 400 instead, for tests
 * that want a wrong App ID to fail loudly.
 */
export class KnownApps {
  private readonly ids: ReadonlySet<string> | '*';

  constructor(
    credentials: readonly SandboxCredentials[],
    appIds: ResolvedSandboxOptions['appIds'],
    readonly unknown: ResolvedSandboxOptions['unknownAppIds'],
  ) {
    this.ids = appIds === '*' ? '*' : new Set([...credentials.map((c) => c.app_id), ...appIds]);
  }

  has(appId: string): boolean {
    return this.ids === '*' || this.ids.has(appId);
  }

  /** For a person reading the sandbox's start line. */
  describe(): string {
    if (this.ids === '*') return 'any app_id';
    const list = [...this.ids].join(', ') || 'none';
    return `app_ids ${list} (${this.unknown === 'drop' ? 'others answered 200 and dropped, as Heap is reported to' : 'others refused with 400'})`;
  }
}

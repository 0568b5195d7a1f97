import type { Clock, DeletionStatus, UserDeletionAdapter, UserDeletionPart, UserDeletionRequest } from '../contract/index.js';
import type { AnonymousStrategy } from './blueprint-options.js';
import { HeapClient } from './client.js';
import type { HeapConfig } from './config.js';
import { HeapPrivacyApi } from './privacy.js';

/** Erases users at Heap, at most 10,000 per request, anonymous ones by the user_id their events went under. Never throws. */
export class HeapUserDeletion implements UserDeletionAdapter {
  private readonly client: HeapClient;
  private readonly privacy: HeapPrivacyApi;

  constructor(
    config: HeapConfig,
    /** The blueprint's anonymous strategy: anonymous users are erased under the id their events were sent with. */
    private readonly strategy: AnonymousStrategy,
    clock: Clock = Date.now,
  ) {
    this.client = new HeapClient(config);
    this.privacy = new HeapPrivacyApi(this.client, config.app_id, config.api_key, clock);
  }

  async deleteUsers(request: UserDeletionRequest): Promise<UserDeletionPart[]> {
    try {
      return await this.privacy.deleteUsers(request, this.strategy);
    } catch (error) {
      return [{ ok: false, users: 0, code: 'unexpected_status', message: `the deletion could not be sent: ${error instanceof Error ? error.message : 'unknown error'}`, retryable: true }];
    }
  }

  async deletionStatus(requestId: string): Promise<DeletionStatus> {
    try {
      return await this.privacy.deletionStatus(requestId);
    } catch (error) {
      return { requestId, status: 'error', code: 'unexpected_status', message: `the status could not be read: ${error instanceof Error ? error.message : 'unknown error'}` };
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

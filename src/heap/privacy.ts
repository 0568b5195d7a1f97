import type { Clock, DeletionStatus, UserDeletionPart, UserDeletionRequest } from '../contract/index.js';
import type { AnonymousStrategy } from './blueprint-options.js';
import type { HeapClient } from './client.js';
import { HEAP_PATHS } from './constants.js';
import { classify } from './classify.js';
import { deletionBatches, deletionBody, deletionPart, deletionStatusError, deletionStatusOf, deletionUsers, readAnswer, refusedPart } from './deletion.js';
import type { SendOutcome } from './transport.js';
import type { NotDelivered, Verdict } from './verdict.js';
import type { AuthTokenAnswer } from './wire.js';

/** Heap's access tokens live about 5 minutes: one is reused for 4, then renewed. */
const TOKEN_REUSE_MS = 4 * 60_000;

/** A token, or why there is none. */
export type TokenOutcome = { ok: true; token: string; httpStatus: number } | { ok: false; verdict: NotDelivered };

/**
 * Heap's privacy API on the region's privacy host: an access token from auth_token (HTTP Basic
 * app_id:api_key), then user_deletion and deletion_status with it. Never throws.
 */
export class HeapPrivacyApi {
  private cached?: { token: string; until: number };

  constructor(
    private readonly client: HeapClient,
    private readonly appId: string,
    private readonly apiKey: string,
    private readonly clock: Clock,
  ) {}

  private url(path: string): string {
    return `${this.client.privacyBase}${path}`;
  }

  private judge(outcome: SendOutcome, url: string): Verdict {
    return classify(outcome, { appId: this.appId, url, now: this.clock(), secret: this.apiKey });
  }

  /** Asks Heap for a new token, which also proves the App ID and API key; keeps it for reuse. */
  async requestToken(): Promise<TokenOutcome> {
    const url = this.url(HEAP_PATHS.authToken);
    const outcome = await this.client.postBasic(url, this.appId, this.apiKey);
    const verdict = this.judge(outcome, url);
    if (verdict.kind !== 'delivered') return { ok: false, verdict };
    const token = outcome.ok ? readAnswer<AuthTokenAnswer>(outcome.answer.body)?.access_token : undefined;
    if (typeof token !== 'string' || token === '') {
      return { ok: false, verdict: { kind: 'failed', httpStatus: verdict.httpStatus, code: 'unexpected_status', message: `Heap answered ${verdict.httpStatus} to auth_token without an access_token` } };
    }
    this.cached = { token, until: this.clock() + TOKEN_REUSE_MS };
    return { ok: true, token, httpStatus: verdict.httpStatus ?? 200 };
  }

  /**
   * Sends a privacy call with a token. A reused token Heap refuses (it may have expired early) is
   * renewed once; a fresh one Heap refuses means the credentials are wrong.
   */
  private async withToken(send: (token: string) => Promise<SendOutcome>): Promise<{ ok: true; outcome: SendOutcome } | { ok: false; verdict: NotDelivered }> {
    const reused = this.cached && this.cached.until > this.clock() ? this.cached.token : undefined;
    if (reused !== undefined) {
      const outcome = await send(reused);
      if (!(outcome.ok && outcome.answer.status === 401)) return { ok: true, outcome };
      this.cached = undefined;
    }
    const fresh = await this.requestToken();
    return fresh.ok ? { ok: true, outcome: await send(fresh.token) } : fresh;
  }

  async deleteUsers(request: UserDeletionRequest, strategy: AnonymousStrategy): Promise<UserDeletionPart[]> {
    const { users, refused } = deletionUsers(request, strategy);
    const parts: UserDeletionPart[] = refused.length > 0 ? [refusedPart(refused)] : [];
    const url = this.url(HEAP_PATHS.userDeletion);
    for (const batch of deletionBatches(users)) {
      const sent = await this.withToken((token) => this.client.postJson(url, deletionBody(batch), token));
      if (!sent.ok) {
        parts.push(deletionPart(batch.length, sent.verdict, undefined));
        continue;
      }
      parts.push(deletionPart(batch.length, this.judge(sent.outcome, url), sent.outcome.ok ? sent.outcome.answer.body : undefined));
    }
    return parts;
  }

  async deletionStatus(requestId: string): Promise<DeletionStatus> {
    const url = this.url(`${HEAP_PATHS.deletionStatus}${encodeURIComponent(requestId)}`);
    const sent = await this.withToken((token) => this.client.getJson(url, token));
    if (!sent.ok) return deletionStatusError(requestId, sent.verdict);
    return deletionStatusOf(requestId, this.judge(sent.outcome, url), sent.outcome.ok ? sent.outcome.answer.body : undefined);
  }
}

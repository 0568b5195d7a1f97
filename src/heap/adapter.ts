import type { Blueprint, Clock, ConnectionTestResult, DataflyEvent, DeliveryAdapter, DeliveryPreview, DeliveryResult, Logger, RateLimit } from '../contract/index.js';
import { silentLogger } from '../contract/index.js';
import type { HeapBlueprintOptions } from './blueprint-options.js';
import { HeapClient } from './client.js';
import type { HeapConfig } from './config.js';
import { HEAP_PATHS } from './constants.js';
import { resolveUser } from './identity.js';
import { AcceptedMerges } from './merges.js';
import { planDelivery, type DeliveryPlan } from './plan.js';
import { runPool } from './pool.js';
import { deliveryPreview } from './preview.js';
import { firstRequests, halves, type HeapRequest } from './requests.js';
import { classify, classifyFailure, invalidCredentialsMessage, rejectsItems, type SendOutcome } from './responses.js';
import { deliveryResults, type Answered } from './results.js';

/** Requests in flight at once per adapter; Heap's per-app limit, not sockets, is what bounds throughput. */
const CONCURRENCY = 4;

export interface HeapAdapterOptions {
  integrationId: string;
  config: HeapConfig;
  blueprint: Blueprint;
  options: HeapBlueprintOptions;
  maxBytes: number;
  logger?: Logger;
  clock?: Clock;
}

/** One request as it went: Heap's answer, and whether its halves were sent instead. */
interface Exchange {
  request: HeapRequest;
  outcome: SendOutcome;
  halved: boolean;
}

/**
 * Turns canonical events into Heap calls and back into one result per event, as a pipeline:
 * plan (prepare and serialise each event) → requests (cut to Heap's limits, app_id added) → send
 * (a bounded pool; a bulk Heap refuses is halved until each bad item stands alone) → classify → results.
 * Only `send` does I/O.
 */
export class HeapDeliveryAdapter implements DeliveryAdapter {
  private readonly client: HeapClient;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly acceptedMerges = new AcceptedMerges();
  private readonly appId: string;

  constructor(private readonly opts: HeapAdapterOptions) {
    this.client = new HeapClient(opts.config);
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? Date.now;
    this.appId = opts.config.app_id;
  }

  async deliver(events: readonly DataflyEvent[]): Promise<DeliveryResult[]> {
    const plan = this.plan(events);
    const { requests, skipped } = firstRequests(plan, this.appId, this.opts.maxBytes, this.acceptedMerges.has);
    const exchanges = (await runPool(requests.map((request) => () => this.send(request)), CONCURRENCY)).flat();
    const now = this.clock();
    const answered = exchanges.map(({ request, outcome, halved }): Answered => ({ request, halved, verdict: classify(outcome, this.answerContext(request.path, now)) }));
    this.learn(answered);
    return deliveryResults(plan, answered, skipped, { appId: this.appId, url: this.ingestionUrl });
  }

  preview(events: readonly DataflyEvent[]): DeliveryPreview {
    const plan = this.plan(events);
    const { requests } = firstRequests(plan, this.appId, this.opts.maxBytes, this.acceptedMerges.has);
    return deliveryPreview(plan, requests, this.ingestionUrl);
  }

  /** App-wide limits count per Heap app; identity limits per Heap user, keyed as Heap (and the sandbox) keys them. */
  rateLimitKey(limit: RateLimit, event: DataflyEvent): string | undefined {
    if (limit.scope === 'app') return this.appId;
    const user = resolveUser(event, this.opts.options.identity.anonymous);
    if (user.kind !== 'user') return undefined;
    return 'identity' in user.user ? `${this.appId}:${user.user.identity}` : `${this.appId}:user_id:${user.user.user_id}`;
  }

  private plan(events: readonly DataflyEvent[]): DeliveryPlan {
    return planDelivery(events, this.opts.blueprint, this.opts.options, (messageId, error) =>
      this.logger.error('an event could not be prepared for Heap', { integrationId: this.opts.integrationId, messageId, error: error instanceof Error ? error.message : 'unknown' }),
    );
  }

  /** Sends one request; a bulk whose items Heap refuses is halved, and each half sent, until the bad items stand alone. */
  private async send(request: HeapRequest): Promise<Exchange[]> {
    const outcome = await this.client.postJson(this.ingestionUrl(request.path), request.body);
    if (request.call === 'merge' || request.items.length < 2 || !rejectsItems(outcome)) return [{ request, outcome, halved: false }];
    this.logger.warn('Heap rejected a bulk request; splitting it to isolate the bad items', { path: request.path, items: request.items.length });
    const [first, second] = halves(request, this.appId);
    return [{ request, outcome, halved: true }, ...(await this.send(first)), ...(await this.send(second))];
  }

  /** Remembers the merges Heap accepted; logs what it did not take. */
  private learn(answered: readonly Answered[]): void {
    for (const { request, verdict, halved } of answered) {
      if (verdict.kind === 'delivered') {
        if (request.call === 'merge') this.acceptedMerges.remember(request.merge.key);
      } else if (!halved) {
        this.logger.info('Heap call not delivered', { integrationId: this.opts.integrationId, path: request.path, verdict: verdict.kind, code: verdict.code, httpStatus: verdict.httpStatus });
      }
    }
  }

  private readonly ingestionUrl = (path: string): string => `${this.client.ingestionBase}${path}`;

  private answerContext(path: string, now: number) {
    return { appId: this.appId, url: this.ingestionUrl(path), now, secret: this.opts.config.api_key };
  }

  async testConnection(): Promise<ConnectionTestResult> {
    const { app_id, api_key } = this.opts.config;
    const url = `${this.client.privacyBase}${HEAP_PATHS.authToken}`;
    const outcome = await this.client.postBasic(url, app_id, api_key);
    if (!outcome.ok) {
      const verdict = classifyFailure(outcome.error, url, api_key);
      return { ok: false, code: verdict.code === 'timeout' ? 'timeout' : 'network_error', message: verdict.message };
    }
    const { status } = outcome.answer;
    if (status === 200) return { ok: true, httpStatus: status, message: `Heap accepted the App ID and API key for app ${app_id}` };
    if (status === 401 || status === 403) {
      return {
        ok: false,
        code: 'invalid_credentials',
        httpStatus: status,
        message: `${invalidCredentialsMessage(status, app_id)} The key must belong to the environment's Main Production App ID.`,
      };
    }
    return { ok: false, code: 'unexpected_status', httpStatus: status, message: `Heap answered ${status} to the credentials check` };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

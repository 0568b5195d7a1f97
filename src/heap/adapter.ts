import type {
  Blueprint,
  Clock,
  ConnectionTestResult,
  DataflyEvent,
  DeliveryAdapter,
  DeliveryPreview,
  DeliveryResult,
  Logger,
  RateLimit,
} from '../contract/index.js';
import { silentLogger } from '../contract/index.js';
import type { HeapBlueprintOptions } from './blueprint-options.js';
import { classify } from './classify.js';
import { HeapClient } from './client.js';
import { sendsContextTraits } from './context-traits.js';
import type { HeapConfig } from './config.js';
import { resolveUser } from './identity.js';
import { AcceptedMerges } from './merges.js';
import { planDelivery, type DeliveryPlan } from './plan.js';
import { runPool } from './pool.js';
import { deliveryPreview } from './preview.js';
import { HeapPrivacyApi } from './privacy.js';
import { firstRequests, halves, type HeapRequest } from './requests.js';
import { deliveryResults, type SentRequest } from './results.js';

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
  private readonly privacy: HeapPrivacyApi;

  constructor(private readonly opts: HeapAdapterOptions) {
    this.client = new HeapClient(opts.config);
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? Date.now;
    this.appId = opts.config.app_id;
    this.privacy = new HeapPrivacyApi(this.client, this.appId, opts.config.api_key, this.clock);
  }

  /**
   * Plans at once and sends from the plan, which holds each event's calls as text: the events
   * themselves are not held while Heap answers (a host can let go of them and have them collected young).
   */
  deliver(events: readonly DataflyEvent[]): Promise<DeliveryResult[]> {
    let plan: DeliveryPlan;
    try {
      plan = this.plan(events);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.sendPlan(plan);
  }

  private async sendPlan(plan: DeliveryPlan): Promise<DeliveryResult[]> {
    const { requests, skipped } = firstRequests(plan, this.appId, this.opts.maxBytes, this.acceptedMerges.has);
    const sent = (await runPool(requests.map((request) => () => this.send(request)), CONCURRENCY)).flat();
    this.learn(sent);
    return deliveryResults(plan, sent, skipped, this.appId, this.ingestionUrl);
  }

  preview(events: readonly DataflyEvent[]): DeliveryPreview {
    const plan = this.plan(events);
    const { requests } = firstRequests(plan, this.appId, this.opts.maxBytes, this.acceptedMerges.has);
    return deliveryPreview(plan, requests, this.ingestionUrl);
  }

  /** App-wide limits count per Heap app; user limits per Heap user (its identity or user_id), keyed as Heap (and the sandbox) keys them. */
  rateLimitKey(limit: RateLimit, event?: DataflyEvent): string | undefined {
    if (limit.scope === 'app') return this.appId;
    if (event === undefined) return undefined;
    const user = resolveUser(event, this.opts.options.identity.anonymous);
    if (user.kind !== 'user') return undefined;
    // A `requests` limit counts add_user_properties calls: a track, page or screen event makes one only when its context.traits are sent.
    if (limit.unit === 'requests' && event.type !== 'identify' && !sendsContextTraits(event, user.user, this.opts.options.identity.context_traits)) return undefined;
    return 'identity' in user.user ? `${this.appId}:${user.user.identity}` : `${this.appId}:user_id:${user.user.user_id}`;
  }

  private plan(events: readonly DataflyEvent[]): DeliveryPlan {
    return planDelivery(events, this.opts.blueprint, this.opts.options, (messageId, error) =>
      this.logger.error('an event could not be prepared for Heap', { integrationId: this.opts.integrationId, messageId, error: error instanceof Error ? error.message : 'unknown' }),
    );
  }

  /** Sends one request and judges the outcome; a bulk whose items Heap refuses is halved, and each half sent, until the bad items stand alone. */
  private async send(request: HeapRequest): Promise<SentRequest[]> {
    const url = this.ingestionUrl(request.path);
    const outcome = await this.client.postJson(url, request.body);
    const verdict = classify(outcome, { appId: this.appId, url, now: this.clock(), secret: this.opts.config.api_key });
    if (request.call === 'merge' || request.items.length < 2 || verdict.kind !== 'split') return [{ request, verdict, halved: false }];
    this.logger.warn('Heap rejected a bulk request; splitting it to isolate the bad items', { path: request.path, items: request.items.length });
    const [first, second] = halves(request, this.appId);
    return [{ request, verdict, halved: true }, ...(await this.send(first)), ...(await this.send(second))];
  }

  /** Remembers the merges Heap accepted; logs what it did not take. */
  private learn(sent: readonly SentRequest[]): void {
    for (const { request, verdict, halved } of sent) {
      if (verdict.kind === 'delivered') {
        if (request.call === 'merge') this.acceptedMerges.remember(request.merge.key);
      } else if (!halved) {
        this.logger.info('Heap call not delivered', { integrationId: this.opts.integrationId, path: request.path, verdict: verdict.kind, code: verdict.code, httpStatus: verdict.httpStatus });
      }
    }
  }

  private readonly ingestionUrl = (path: string): string => `${this.client.ingestionBase}${path}`;

  /** Asks auth_token for a token: the only way to prove an App ID and API key pair before traffic flows. */
  async testConnection(): Promise<ConnectionTestResult> {
    const token = await this.privacy.requestToken();
    if (token.ok) return { ok: true, httpStatus: token.httpStatus, message: `Heap accepted the App ID and API key for app ${this.appId}` };
    const { verdict } = token;
    const answer = verdict.httpStatus !== undefined ? { httpStatus: verdict.httpStatus } : {};
    switch (verdict.code) {
      case 'invalid_credentials':
        return { ok: false, code: verdict.code, ...answer, message: `${verdict.message} Heap checks an API key only with the App ID of your main production environment (not Development or another environment): copy that App ID from Settings > Account > Manage > Environment, and use an API key made under Settings > Account > Manage > API Keys.` };
      case 'endpoint_not_found':
      case 'tls_error':
      case 'protocol_error':
      case 'network_error':
      case 'timeout':
        return { ok: false, code: verdict.code, ...answer, message: verdict.message };
      default:
        // 400, 429, 5xx or an answer without a token: the check says nothing about the credentials.
        return { ok: false, code: 'unexpected_status', ...answer, message: `The credentials check did not complete: ${verdict.message}` };
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

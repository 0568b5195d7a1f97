import type { Blueprint, Clock, ConnectionTestResult, DataflyEvent, DeliveryAdapter, DeliveryPreview, DeliveryResult, Logger, RateLimit } from '../contract/index.js';
import { silentLogger } from '../contract/index.js';
import type { HeapBlueprintOptions } from './blueprint-options.js';
import { HeapClient } from './client.js';
import type { HeapConfig } from './config.js';
import { HEAP_PATHS } from './constants.js';
import { resolveUser } from './identity.js';
import { planDelivery, type BulkEntry, type DeliveryPlan, type Slot } from './plan.js';
import { BULK_CALLS, bulkBodyJson, type BulkKind } from './requests.js';
import { runPool } from './pool.js';
import { classifyAnswer, classifyFailure, invalidCredentialsMessage, type HttpAnswer, type Verdict } from './responses.js';

/** Requests in flight at once per adapter; Heap's per-app limit, not sockets, is what bounds throughput. */
const CONCURRENCY = 4;
const MERGED_PAIRS_MAX = 50_000;

/** Which verdict speaks for an event whose parts ended differently: anything transient first, so a retry can still fix it. */
const SEVERITY: Record<Verdict['kind'], number> = { retryable: 3, failed: 2, split: 2, delivered: 1 };

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
 * Turns canonical events into Heap calls: bulk track, bulk user and account properties, and the
 * identify merges; classifies every answer; isolates bad items in a rejected bulk by halving it.
 */
export class HeapDeliveryAdapter implements DeliveryAdapter {
  private readonly client: HeapClient;
  private readonly logger: Logger;
  private readonly clock: Clock;
  /** user_id → identity pairs Heap accepted (bounded: forgetting only costs a repeated call). */
  private readonly mergedPairs = new Set<string>();

  constructor(private readonly opts: HeapAdapterOptions) {
    this.client = new HeapClient(opts.config);
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? Date.now;
  }

  async deliver(events: readonly DataflyEvent[]): Promise<DeliveryResult[]> {
    const { app_id } = this.opts.config;
    const plan = planDelivery(events, this.opts.blueprint, this.opts.options, app_id, this.opts.maxBytes, (messageId, error) =>
      this.logger.error('an event could not be prepared for Heap', { integrationId: this.opts.integrationId, messageId, error: error instanceof Error ? error.message : 'unknown' }),
    );
    const tasks: (() => Promise<void>)[] = [
      ...plan.bulk.map(({ kind, entries }) => () => this.sendBulk(kind, entries)),
      ...plan.merges.map((merge) => () => this.sendMerge(merge)),
    ];
    await runPool(tasks, CONCURRENCY);
    for (const [index, slot] of plan.slots) plan.results[index] = toResult(slot);
    return plan.results as DeliveryResult[];
  }

  preview(events: readonly DataflyEvent[]): DeliveryPreview {
    const { app_id } = this.opts.config;
    const plan = planDelivery(events, this.opts.blueprint, this.opts.options, app_id, this.opts.maxBytes);
    const requests: DeliveryPreview['requests'] = [];
    const bySlot = new Map<Slot, number[]>();
    const carry = (slot: Slot, index: number) => bySlot.set(slot, [...(bySlot.get(slot) ?? []), index]);
    for (const { kind, entries } of plan.bulk) {
      const index = requests.push({ method: 'POST', url: `${this.client.ingestionBase}${BULK_CALLS[kind].path}`, body: bulkBodyJson(kind, app_id, entries.map((e) => e.json)) }) - 1;
      for (const entry of entries) carry(entry.slot, index);
    }
    for (const merge of plan.merges) {
      const index = requests.push({ method: 'POST', url: `${this.client.ingestionBase}${HEAP_PATHS.identify}`, body: merge.json }) - 1;
      for (const slot of merge.slots) carry(slot, index);
    }
    const results = events.map((_, i): DeliveryPreview['results'][number] => {
      const done = plan.results[i];
      if (done) return { messageId: done.messageId, status: done.status === 'filtered' ? 'filtered' : 'failed', code: done.code, message: done.message, warnings: done.warnings, requests: [] };
      const slot = plan.slots.get(i)!;
      return { messageId: slot.messageId, status: 'send', warnings: slot.warnings, requests: bySlot.get(slot) ?? [] };
    });
    return { requests, results };
  }

  /** App-wide limits count per Heap app; identity limits per Heap user, as Heap keys them (identity, or hashed user_id). */
  rateLimitKey(limit: RateLimit, event: DataflyEvent): string | undefined {
    if (limit.scope === 'app') return `app:${this.opts.config.app_id}`;
    const user = resolveUser(event, this.opts.options.identity.anonymous);
    if (user.kind !== 'user') return undefined;
    return 'identity' in user.user ? `${this.opts.config.app_id}:identity:${user.user.identity}` : `${this.opts.config.app_id}:user_id:${user.user.user_id}`;
  }

  /** Sends one bulk request; on 400 halves it until each bad item stands alone. */
  private async sendBulk(kind: BulkKind, entries: BulkEntry[]): Promise<void> {
    const { path } = BULK_CALLS[kind];
    const verdict = await this.post(path, bulkBodyJson(kind, this.opts.config.app_id, entries.map((e) => e.json)));
    for (const entry of entries) entry.slot.requests++;
    if (verdict.kind === 'split' && entries.length > 1) {
      this.logger.warn('Heap rejected a bulk request; splitting it to isolate the bad items', { path, items: entries.length, httpStatus: verdict.httpStatus });
      const middle = Math.ceil(entries.length / 2);
      await this.sendBulk(kind, entries.slice(0, middle));
      await this.sendBulk(kind, entries.slice(middle));
      return;
    }
    for (const entry of entries) entry.slot.verdicts.push(verdict);
  }

  /**
   * One /api/v1/identify call per pair. A pair Heap already accepted from this adapter is not sent
   * again: a user_id maps to one identity for good, so repeating it (every identify of a signed-in
   * visitor carries it) would only spend requests.
   */
  private async sendMerge(merge: DeliveryPlan['merges'][number]): Promise<void> {
    let verdict: Verdict;
    if (this.mergedPairs.has(merge.key)) {
      verdict = { kind: 'delivered', response: 'merge skipped: Heap already accepted this user_id → identity pair from this installation' };
    } else {
      verdict = await this.post(HEAP_PATHS.identify, merge.json);
      for (const slot of merge.slots) slot.requests++;
      if (verdict.kind === 'delivered') this.rememberMerge(merge.key);
    }
    for (const slot of merge.slots) slot.verdicts.push(verdict);
  }

  private rememberMerge(key: string): void {
    if (this.mergedPairs.size >= MERGED_PAIRS_MAX) this.mergedPairs.clear();
    this.mergedPairs.add(key);
  }

  private async post(path: string, body: string): Promise<Verdict> {
    const outcome = await this.client.postJson(path, body);
    const verdict = outcome.ok
      ? classifyAnswer(this.scrub(outcome.answer), this.opts.config.app_id, this.clock())
      : classifyFailure(outcome.error, `${this.client.ingestionBase}${path}`);
    if (verdict.kind !== 'delivered') {
      this.logger.info('Heap call not delivered', { integrationId: this.opts.integrationId, path, verdict: verdict.kind, code: verdict.code, httpStatus: verdict.httpStatus });
    }
    return verdict;
  }

  /** Whatever Heap answers goes into results and delivery logs: never with the API key in it. */
  private scrub(answer: HttpAnswer): HttpAnswer {
    const key = this.opts.config.api_key;
    return answer.body.includes(key) ? { ...answer, body: answer.body.split(key).join('[redacted]') } : answer;
  }

  async testConnection(): Promise<ConnectionTestResult> {
    const { app_id, api_key } = this.opts.config;
    const outcome = await this.client.postBasic(HEAP_PATHS.authToken, app_id, api_key);
    if (!outcome.ok) {
      const verdict = classifyFailure(outcome.error, `${this.client.privacyBase}${HEAP_PATHS.authToken}`);
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


function toResult(slot: Slot): DeliveryResult {
  // On a tie, an answer Heap actually gave speaks before a call that did not need to be made.
  const outranks = (b: Verdict, a: Verdict) => SEVERITY[b.kind] > SEVERITY[a.kind] || (SEVERITY[b.kind] === SEVERITY[a.kind] && a.httpStatus === undefined && b.httpStatus !== undefined);
  const worst = slot.verdicts.reduce<Verdict | undefined>((a, b) => (!a || outranks(b, a) ? b : a), undefined);
  const base = { messageId: slot.messageId, warnings: slot.warnings, requests: slot.requests };
  if (!worst) return { ...base, status: 'failed', code: 'unexpected_status', message: 'no Heap call was made for this event' };
  const response = worst.response;
  switch (worst.kind) {
    case 'delivered':
      return { ...base, status: 'delivered', httpStatus: worst.httpStatus, response };
    case 'retryable':
      return { ...base, status: 'retryable', httpStatus: worst.httpStatus, code: worst.code, message: worst.message, retryAfterMs: worst.retryAfterMs, response };
    case 'failed':
    case 'split':
      return { ...base, status: 'failed', httpStatus: worst.httpStatus, code: worst.code, message: worst.message, response };
  }
}

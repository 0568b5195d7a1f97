import type { Blueprint, Clock, ConnectionTestResult, DataflyEvent, DeliveryAdapter, DeliveryResult, Logger } from '../contract/index.js';
import { silentLogger } from '../contract/index.js';
import type { HeapBlueprintOptions } from './blueprint-options.js';
import { HeapClient } from './client.js';
import type { HeapConfig } from './config.js';
import { HEAP_PATHS } from './constants.js';
import { prepareEvent, type Part, type Prepared } from './prepare.js';
import { BULK_CALLS, bulkBody, chunk, mergeBody, type BulkKind } from './requests.js';
import { runPool } from './pool.js';
import { classifyAnswer, classifyFailure, invalidCredentialsMessage, type HttpAnswer, type Verdict } from './responses.js';

/** Requests in flight at once per adapter; Heap's per-app limit, not sockets, is what bounds throughput. */
const CONCURRENCY = 4;

interface Slot {
  messageId: string;
  warnings: string[];
  verdicts: Verdict[];
  requests: number;
}

interface BulkEntry {
  slot: Slot;
  item: object;
}

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

  constructor(private readonly opts: HeapAdapterOptions) {
    this.client = new HeapClient(opts.config);
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? Date.now;
  }

  async deliver(events: readonly DataflyEvent[]): Promise<DeliveryResult[]> {
    const results: (DeliveryResult | undefined)[] = new Array(events.length);
    const slots = new Map<number, Slot>();
    const bulk: Record<BulkKind, BulkEntry[]> = { track: [], user: [], account: [] };
    const merges: { slot: Slot; part: Extract<Part, { kind: 'merge' }> }[] = [];

    events.forEach((event, index) => {
      const prepared = this.prepare(event);
      if (prepared.kind === 'done') return void (results[index] = prepared.result);
      const slot: Slot = { messageId: prepared.messageId, warnings: prepared.warnings, verdicts: [], requests: 0 };
      slots.set(index, slot);
      for (const part of prepared.parts) {
        if (part.kind === 'merge') merges.push({ slot, part });
        else bulk[part.kind].push({ slot, item: part.item });
      }
    });

    const tasks: (() => Promise<void>)[] = [];
    for (const kind of Object.keys(bulk) as BulkKind[]) {
      for (const group of chunk(bulk[kind], this.opts.maxBytes)) tasks.push(() => this.sendBulk(kind, group));
    }
    for (const { slot, part } of merges) tasks.push(() => this.sendMerge(slot, part.body));
    await runPool(tasks, CONCURRENCY);

    for (const [index, slot] of slots) results[index] = toResult(slot);
    return results as DeliveryResult[];
  }

  /** A bug in preparing one event must cost that event, never its batch: it fails alone, explained. */
  private prepare(event: DataflyEvent): Prepared {
    try {
      return prepareEvent(event, this.opts.blueprint, this.opts.options);
    } catch (error) {
      const messageId = typeof event?.messageId === 'string' ? event.messageId : '';
      this.logger.error('an event could not be prepared for Heap', { integrationId: this.opts.integrationId, messageId, error: error instanceof Error ? error.message : 'unknown' });
      const message = `event: could not be turned into a Heap call (${error instanceof Error ? error.message : 'unknown error'})`;
      return { kind: 'done', result: { messageId, status: 'failed', code: 'invalid_event', message, warnings: [] } };
    }
  }

  /** Sends one bulk request; on 400 halves it until each bad item stands alone. */
  private async sendBulk(kind: BulkKind, entries: BulkEntry[]): Promise<void> {
    const { path } = BULK_CALLS[kind];
    const verdict = await this.post(path, bulkBody(kind, this.opts.config.app_id, entries.map((e) => e.item)));
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

  private async sendMerge(slot: Slot, body: Extract<Part, { kind: 'merge' }>['body']): Promise<void> {
    const verdict = await this.post(HEAP_PATHS.identify, mergeBody(this.opts.config.app_id, body));
    slot.requests++;
    slot.verdicts.push(verdict);
  }

  private async post(path: string, body: Record<string, unknown>): Promise<Verdict> {
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
  const worst = slot.verdicts.reduce<Verdict | undefined>((a, b) => (!a || SEVERITY[b.kind] > SEVERITY[a.kind] ? b : a), undefined);
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

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KnownApps } from './apps.js';
import { AccessTokens } from './auth.js';
import { answerControl, CONTROL, type ControlContext } from './control-routes.js';
import { Faults, type FaultRule } from './faults.js';
import { answerHeap } from './heap-routes.js';
import { checkLimits, HEAP_RATE_LIMITS, RateLimiter, type SandboxLimits } from './limits.js';
import { resolveOptions, type ResolvedSandboxOptions, type SandboxOptions } from './options.js';
import { reply, type Reply } from './reply.js';
import { RecordedState, type DeletionRequest, type RecordedEvent, type RecordedMerge, type RecordedRequest } from './state.js';

export type { SandboxCredentials, SandboxOptions } from './options.js';
export type { DeletionRequest, RecordedEvent, RecordedMerge, RecordedRequest } from './state.js';

/** A request as it arrived, before the sandbox answers it. */
type Arrival = Pick<RecordedRequest, 'method' | 'path' | 'raw_body' | 'raw_body_truncated'>;

/**
 * A local Heap: the Server-Side API endpoints, checked as Heap documents them, with dedup by
 * idempotency key, Heap's rate limits, recorded requests and injectable faults. This file is the
 * HTTP side (listen, read, inject faults, answer, record); the rules live in heap-routes.ts and
 * validate.ts, what it holds in state.ts, the `/__sandbox` routes in control-routes.ts.
 */
export class HeapSandbox {
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private boundPort?: number;
  private readonly options: ResolvedSandboxOptions;
  private readonly apps: KnownApps;
  private readonly tokens: AccessTokens;
  private readonly faults: Faults;
  private limiter: RateLimiter;
  private state: RecordedState;

  /** Throws an Error naming the option when one is malformed. */
  constructor(options: SandboxOptions = {}) {
    this.options = resolveOptions(options);
    this.apps = new KnownApps(this.options.credentials, this.options.appIds, this.options.unknownAppIds);
    this.tokens = new AccessTokens(this.options.credentials);
    this.faults = new Faults(this.options.seed);
    this.limiter = new RateLimiter({ ...HEAP_RATE_LIMITS, ...this.options.limits });
    this.state = this.emptyState();
  }

  /** Where it listens (or listened, while stopped: a stopped sandbox refuses connections there). */
  get url(): string {
    if (this.boundPort === undefined) throw new Error('the sandbox has not been started');
    const host = this.options.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`;
  }

  /** The app ids it knows and what it does with others, in a sentence for its start line. */
  describeAppIds(): string {
    return this.apps.describe();
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        if (!res.headersSent) this.write(res, reply(500, { error: `sandbox error: ${error.message}` }));
        else req.socket.destroy();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      // A restarted sandbox comes back on the port it had, as Heap comes back at its address.
      this.server!.listen(this.boundPort ?? this.options.port ?? 0, this.options.host, () => resolve());
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Forgets what it recorded (requests, events, dedup keys, users, accounts, merges, deletions,
   * counters), its faults and its rate-limit buckets. Access tokens stay valid until they expire.
   */
  reset(): void {
    this.state = this.emptyState();
    this.faults.clear();
    this.limiter = new RateLimiter(this.limiter.config);
  }

  /** Throws a RequestProblem naming the field when a limit is malformed. */
  setLimits(limits: Partial<SandboxLimits>): void {
    this.limiter = new RateLimiter({ ...this.limiter.config, ...checkLimits(limits) });
  }

  /** Throws a RequestProblem naming the field when the fault is malformed. */
  addFault(input: unknown): FaultRule {
    return this.faults.add(input);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  recordedRequests(filter: { path?: string; status?: number } = {}): RecordedRequest[] {
    return this.state.requestList(filter);
  }

  recordedEvents(): RecordedEvent[] {
    return this.state.eventList();
  }

  stats() {
    return { ...this.state.stats(), rate_limited: { ...this.limiter.refused } };
  }

  userProperties(appId: string, identity: string): Record<string, unknown> | undefined {
    return this.state.userProperties(appId, identity);
  }

  mergesRecorded(): RecordedMerge[] {
    return [...this.state.mergeList()];
  }

  recordedDeletions(): DeletionRequest[] {
    return this.state.deletionList();
  }

  private emptyState(): RecordedState {
    return new RecordedState(this.options.maxRecorded, this.options.deletionDelayMs);
  }

  // ---- HTTP ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = URL.parse(req.url ?? '/', 'http://sandbox');
    const read = await readBody(req, this.options.maxBodyBytes);
    if (url?.pathname.startsWith(CONTROL)) return this.write(res, answerControl(this.controlContext(), method, url, read.bytes.toString('utf8')));

    const raw = read.bytes.toString('utf8');
    const arrival: Arrival = { method, path: url?.pathname ?? req.url ?? '', ...this.rawBody(read, raw) };
    if (!url) return this.answer(res, arrival, undefined, reply(400, { error: `request target: ${req.url} is not a path` }));
    if (read.tooLarge) return this.answer(res, arrival, undefined, reply(413, { error: `body: larger than ${this.options.maxBodyBytes} bytes` }));

    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.answer(res, arrival, raw, reply(400, { error: 'body: malformed JSON' }));
      }
    }
    const fault = this.faults.pick(arrival.path, body);
    if (fault) {
      if (fault.latency_ms) await sleep(fault.latency_ms);
      if (fault.drop) {
        this.state.count(0);
        return void req.socket.destroy();
      }
      if (fault.status !== undefined) {
        const headers = fault.retry_after !== undefined ? { 'retry-after': String(fault.retry_after) } : undefined;
        return this.answer(res, arrival, body, reply(fault.status, fault.body ?? { error: `injected fault (${fault.status})` }, headers));
      }
    }
    const context = { state: this.state, apps: this.apps, tokens: this.tokens, limiter: this.limiter, now: Date.now() };
    this.answer(res, arrival, body, answerHeap(context, { method, path: arrival.path, authorization: req.headers.authorization, body }));
  }

  /** The raw body as recorded: whole up to maxRawBodyBytes, else its first bytes and a flag saying so. */
  private rawBody(read: { bytes: Buffer; tooLarge: boolean }, text: string): Pick<RecordedRequest, 'raw_body' | 'raw_body_truncated'> {
    const max = this.options.maxRawBodyBytes;
    if (!read.tooLarge && read.bytes.length <= max) return { raw_body: text, raw_body_truncated: false };
    return { raw_body: read.bytes.subarray(0, max).toString('utf8'), raw_body_truncated: true };
  }

  private controlContext(): ControlContext {
    return {
      state: this.state,
      faults: this.faults,
      limits: () => this.limiter.config,
      setLimits: (input) => this.setLimits(input as Partial<SandboxLimits>),
      stats: () => this.stats(),
      reset: () => this.reset(),
      now: Date.now(),
    };
  }

  /** Records the request with its answer, then sends the answer. */
  private answer(res: http.ServerResponse, arrival: Arrival, body: unknown, answer: Reply): void {
    const { method, path, raw_body, raw_body_truncated } = arrival;
    this.state.record({ method, path, status: answer.status, body, raw_body, raw_body_truncated, ...(answer.dropped && { dropped: answer.dropped }) });
    this.write(res, answer);
  }

  private write(res: http.ServerResponse, answer: Reply): void {
    const text = typeof answer.body === 'string';
    res.writeHead(answer.status, { ...answer.headers, 'content-type': text ? 'text/plain' : 'application/json' });
    res.end(text ? answer.body : JSON.stringify(answer.body));
  }
}

/** The body's bytes; past `max`, its first `max` bytes and `tooLarge` (the rest is not read). */
function readBody(req: http.IncomingMessage, max: number): Promise<{ bytes: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size + chunk.length > max) {
        req.pause();
        resolve({ bytes: Buffer.concat([...chunks, chunk.subarray(0, max - size)]), tooLarge: true });
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks), tooLarge: false }));
    req.on('error', reject);
  });
}

/** A fault's latency: it holds one answer, never the process (a stopped sandbox ends with its requests held). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

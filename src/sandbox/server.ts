import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyMatches, checkFault, seededRandom, type FaultRule } from './faults.js';
import { HEAP_RATE_LIMITS, RateLimiter, type SandboxLimits } from './limits.js';
import {
  checkAccountProperties,
  checkAppId,
  checkDeletion,
  checkMerge,
  checkTrackEvent,
  checkUserProperties,
  itemsOf,
  requireObject,
  RequestProblem,
  type TrackEvent,
} from './validate.js';

export interface SandboxCredentials {
  app_id: string;
  api_key: string;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** The app_id/api_key pairs `auth_token` accepts. */
  credentials?: SandboxCredentials[];
  limits?: Partial<SandboxLimits>;
  /** Seed for fractional faults. */
  seed?: number;
  /** How many requests and events the sandbox keeps for inspection (counters are always exact). */
  maxRecorded?: number;
  /** Largest request body it reads; past it, 413. */
  maxBodyBytes?: number;
}

export interface RecordedRequest {
  id: number;
  method: string;
  path: string;
  status: number;
  body: unknown;
  received_at: string;
}

/** An accepted track event, with when the sandbox received it (ms since the epoch). */
export type RecordedEvent = TrackEvent & { app_id: string; received_at: number };

/** Inspection and fault control live under this prefix; everything else is Heap's API. */
const CONTROL = '/__sandbox';

/**
 * A local Heap: the Server-Side API endpoints, checked as Heap documents them, with dedup by
 * idempotency key, Heap's rate limits, recorded requests and injectable faults.
 */
export class HeapSandbox {
  private server?: http.Server;
  private readonly credentials: SandboxCredentials[];
  private limiter: RateLimiter;
  private faults: FaultRule[] = [];
  private nextFaultId = 1;
  private random: () => number;
  private readonly maxRecorded: number;
  private readonly maxBodyBytes: number;
  private readonly sockets = new Set<import('node:net').Socket>();
  private boundPort?: number;

  private requests: RecordedRequest[] = [];
  private requestCount = 0;
  private byStatus: Record<string, number> = {};
  private events: RecordedEvent[] = [];
  private eventCount = 0;
  private duplicates = 0;
  private keys = new Set<string>();
  private users = new Map<string, Record<string, unknown>>();
  private accounts = new Map<string, Record<string, unknown>>();
  private merges: { app_id: string; user_id: string; identity: string }[] = [];
  private tokens = new Map<string, { app_id: string; expires: number }>();
  private deletions = new Map<string, { polled: number; users: unknown[] }>();

  constructor(private readonly options: SandboxOptions = {}) {
    this.credentials = options.credentials ?? [];
    this.limiter = new RateLimiter({ ...HEAP_RATE_LIMITS, ...options.limits });
    this.random = seededRandom(options.seed ?? 42);
    this.maxRecorded = options.maxRecorded ?? 50_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  }

  /** Where it listens (or listened, while stopped: a stopped sandbox refuses connections there). */
  get url(): string {
    if (this.boundPort === undefined) throw new Error('the sandbox has not been started');
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      // A restarted sandbox comes back on the port it had, as Heap comes back at its address.
      this.server!.listen(this.boundPort ?? this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
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

  /** Forgets everything: requests, events, dedup keys, users, faults and rate-limit buckets. */
  reset(): void {
    this.requests = [];
    this.requestCount = 0;
    this.byStatus = {};
    this.events = [];
    this.eventCount = 0;
    this.duplicates = 0;
    this.keys.clear();
    this.users.clear();
    this.accounts.clear();
    this.merges = [];
    this.faults = [];
    this.limiter = new RateLimiter(this.limiter.config);
  }

  setLimits(limits: Partial<SandboxLimits>): void {
    this.limiter = new RateLimiter({ ...this.limiter.config, ...limits });
  }

  addFault(input: unknown): FaultRule {
    const rule: FaultRule = { ...checkFault(input), id: this.nextFaultId++, fired: 0 };
    this.faults.push(rule);
    return rule;
  }

  clearFaults(): void {
    this.faults = [];
  }

  recordedRequests(filter: { path?: string; status?: number } = {}): RecordedRequest[] {
    return this.requests.filter((r) => (filter.path === undefined || r.path === filter.path) && (filter.status === undefined || r.status === filter.status));
  }

  recordedEvents(): RecordedEvent[] {
    return this.events;
  }

  stats() {
    return {
      requests: this.requestCount,
      by_status: { ...this.byStatus },
      events_accepted: this.eventCount,
      unique_idempotency_keys: this.keys.size,
      duplicates: this.duplicates,
      users: this.users.size,
      accounts: this.accounts.size,
      merges: this.merges.length,
      rate_limited: { ...this.limiter.refused },
    };
  }

  userProperties(appId: string, identity: string): Record<string, unknown> | undefined {
    return this.users.get(`${appId}:${identity}`);
  }

  mergesRecorded() {
    return [...this.merges];
  }

  // ---- HTTP ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    let raw: string;
    try {
      raw = await readBody(req, this.maxBodyBytes);
    } catch {
      return this.answer(res, req, url.pathname, undefined, 413, { error: `body: larger than ${this.maxBodyBytes} bytes` });
    }
    if (url.pathname.startsWith(CONTROL)) return this.control(req, res, url, raw);

    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.answer(res, req, url.pathname, raw, 400, { error: 'body: malformed JSON' });
      }
    }
    const fault = this.pickFault(url.pathname, body);
    if (fault) {
      fault.fired++;
      if (fault.latency_ms) await sleep(fault.latency_ms);
      if (fault.drop) {
        this.count(0);
        return void req.socket.destroy();
      }
      if (fault.status !== undefined) {
        if (fault.retry_after !== undefined) res.setHeader('retry-after', String(fault.retry_after));
        return this.answer(res, req, url.pathname, body, fault.status, fault.body ?? { error: `injected fault (${fault.status})` });
      }
    }
    try {
      const [status, answer, headers] = this.route(req, url, body);
      for (const [k, v] of Object.entries(headers ?? {})) res.setHeader(k, v);
      this.answer(res, req, url.pathname, body, status, answer);
    } catch (error) {
      if (error instanceof Unauthorized) return this.answer(res, req, url.pathname, body, 401, { error: 'a valid Bearer access token is required' });
      if (error instanceof RequestProblem) {
        const plain = url.pathname === '/api/add_account_properties';
        return this.answer(res, req, url.pathname, body, 400, plain ? error.message : { error: error.message });
      }
      this.answer(res, req, url.pathname, body, 500, { error: `sandbox error: ${(error as Error).message}` });
    }
  }

  private pickFault(path: string, body: unknown): FaultRule | undefined {
    for (const rule of this.faults) {
      if (rule.path !== undefined && !path.startsWith(rule.path)) continue;
      if (!bodyMatches(rule, body)) continue;
      if (rule.count !== undefined) {
        if (rule.fired >= rule.count) continue;
        return rule;
      }
      if (rule.fraction !== undefined && this.random() >= rule.fraction) continue;
      return rule;
    }
    return undefined;
  }

  private route(req: http.IncomingMessage, url: URL, body: unknown): [number, unknown, Record<string, string>?] {
    const path = url.pathname;
    const now = Date.now();
    if (req.method === 'GET' && path.startsWith('/api/public/v0/deletion_status/')) {
      this.bearer(req);
      const id = decodeURIComponent(path.slice('/api/public/v0/deletion_status/'.length));
      const deletion = this.deletions.get(id);
      if (!deletion) return [404, { error: `no deletion request ${id}` }];
      deletion.polled++;
      return [200, { deletion_request_id: id, status: deletion.polled > 1 ? 'complete' : 'pending' }];
    }
    if (req.method !== 'POST') return [405, { error: `${req.method} is not allowed on ${path}` }];
    switch (path) {
      case '/api/track':
        return this.track(requireObject(body), now);
      case '/api/add_user_properties':
        return this.addUserProperties(requireObject(body), now);
      case '/api/add_account_properties': {
        const b = requireObject(body);
        const appId = checkAppId(b);
        const { items, prefix } = itemsOf(b, 'accounts');
        const checked = items.map((item, i) => checkAccountProperties(item, prefix(i)));
        for (const a of checked) this.accounts.set(`${appId}:${a.account_id}`, { ...this.accounts.get(`${appId}:${a.account_id}`), ...a.properties });
        return [200, 'OK'];
      }
      case '/api/v1/identify': {
        const b = requireObject(body);
        const appId = checkAppId(b);
        const merge = checkMerge(b);
        this.merges.push({ app_id: appId, user_id: merge.user_id, identity: merge.identity });
        return [200, {}];
      }
      case '/api/public/v0/auth_token':
        return this.authToken(req, now);
      case '/api/public/v0/user_deletion': {
        this.bearer(req);
        const users = checkDeletion(requireObject(body));
        const id = randomUUID();
        this.deletions.set(id, { polled: 0, users });
        return [201, { deletion_request_id: id, deletion_request_location: `/api/public/v0/deletion_status/${id}`, status: 'pending' }];
      }
      default:
        return [404, { error: `no Heap endpoint at ${path}` }];
    }
  }

  private track(body: Record<string, unknown>, now: number): [number, unknown, Record<string, string>?] {
    const appId = checkAppId(body);
    const bulk = 'events' in body;
    const { items, prefix } = itemsOf(body, 'events');
    const events = items.map((item, i) => checkTrackEvent(item, prefix(i)));
    const identities = new Map<string, number>();
    for (const e of events) {
      const key = e.identity ?? `user_id:${e.user_id}`;
      identities.set(key, (identities.get(key) ?? 0) + 1);
    }
    const limited = this.limiter.check(appId, bulk ? 'bulk_track' : 'single_call', identities, now);
    if (!limited.ok) return rateLimited(limited);
    for (const e of events) {
      if (e.idempotency_key !== undefined) {
        const key = `${appId}:${e.idempotency_key}`;
        if (this.keys.has(key)) {
          this.duplicates++;
          continue;
        }
        this.keys.add(key);
      }
      this.eventCount++;
      if (this.events.length < this.maxRecorded) this.events.push({ app_id: appId, ...e, received_at: now });
    }
    return [200, {}];
  }

  private addUserProperties(body: Record<string, unknown>, now: number): [number, unknown, Record<string, string>?] {
    const appId = checkAppId(body);
    const { items, prefix } = itemsOf(body, 'users');
    const users = items.map((item, i) => checkUserProperties(item, prefix(i)));
    const limited = this.limiter.check(appId, 'single_call', new Map(users.map((u) => [u.identity, 1])), now);
    if (!limited.ok) return rateLimited(limited);
    for (const u of users) this.users.set(`${appId}:${u.identity}`, { ...this.users.get(`${appId}:${u.identity}`), ...u.properties });
    return [200, {}];
  }

  private authToken(req: http.IncomingMessage, now: number): [number, unknown] {
    const header = req.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    if (scheme !== 'Basic' || !encoded) return [401, { error: 'Basic authentication with app_id:api_key is required' }];
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const appId = decoded.slice(0, colon);
    const apiKey = decoded.slice(colon + 1);
    if (!this.credentials.some((c) => c.app_id === appId && c.api_key === apiKey)) return [401, { error: 'Unauthorized' }];
    const token = randomBytes(24).toString('hex');
    this.tokens.set(token, { app_id: appId, expires: now + 5 * 60_000 });
    return [200, { access_token: token }];
  }

  private bearer(req: http.IncomingMessage): void {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const entry = this.tokens.get(token);
    if (!entry || entry.expires < Date.now()) throw new Unauthorized();
  }

  private control(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: string): void {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const route = `${req.method} ${url.pathname.slice(CONTROL.length)}`;
    try {
      switch (route) {
        case 'GET /requests': {
          const status = url.searchParams.get('status');
          return send(200, this.recordedRequests({ path: url.searchParams.get('path') ?? undefined, status: status ? Number(status) : undefined }));
        }
        case 'DELETE /requests':
          this.requests = [];
          return send(200, { cleared: true });
        case 'GET /events':
          return send(200, this.events);
        case 'GET /stats':
          return send(200, this.stats());
        case 'GET /users':
          return send(200, Object.fromEntries(this.users));
        case 'GET /accounts':
          return send(200, Object.fromEntries(this.accounts));
        case 'GET /merges':
          return send(200, this.merges);
        case 'POST /reset':
          this.reset();
          return send(200, { reset: true });
        case 'GET /faults':
          return send(200, this.faults);
        case 'POST /faults':
          return send(201, this.addFault(JSON.parse(raw || '{}')));
        case 'DELETE /faults':
          this.clearFaults();
          return send(200, { cleared: true });
        case 'GET /limits':
          return send(200, this.limiter.config);
        case 'POST /limits':
          this.setLimits(JSON.parse(raw || '{}'));
          return send(200, this.limiter.config);
        default:
          return send(404, { error: `no sandbox control route ${route}` });
      }
    } catch (error) {
      send(400, { error: (error as Error).message });
    }
  }

  private answer(res: http.ServerResponse, req: http.IncomingMessage, path: string, body: unknown, status: number, answer: unknown): void {
    this.count(status);
    if (this.requests.length < this.maxRecorded) {
      this.requests.push({ id: this.requestCount, method: req.method ?? 'POST', path, status, body, received_at: new Date().toISOString() });
    }
    const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
    res.writeHead(status, { 'content-type': typeof answer === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  }

  private count(status: number): void {
    this.requestCount++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
  }
}

class Unauthorized extends RequestProblem {}

function rateLimited(limited: { retryAfterMs: number; limit: string }): [number, unknown, Record<string, string>] {
  return [429, { error: `rate limit exceeded: ${limited.limit}` }, { 'retry-after': String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))) }];
}

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

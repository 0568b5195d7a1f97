import http from 'node:http';
import https from 'node:https';
import got, { type Got } from 'got';
import { HEAP_HOSTS } from './constants.js';
import type { HeapConfig } from './config.js';
import type { HttpAnswer } from './responses.js';

export type SendOutcome = { ok: true; answer: HttpAnswer } | { ok: false; error: unknown };

const USER_AGENT = 'datafly-heap-plugin/0.1';

/**
 * The only file that talks to Heap. got retries nothing (the host owns retries), throws on no
 * status (the adapter classifies), keeps sockets alive across batches, and gives up after `timeout_ms`.
 */
export class HeapClient {
  private readonly got: Got;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  readonly ingestionBase: string;
  readonly privacyBase: string;

  constructor(config: HeapConfig) {
    const override = config.endpoint ? config.endpoint.replace(/\/+$/, '') : undefined;
    this.ingestionBase = override ?? HEAP_HOSTS[config.region].ingestion;
    this.privacyBase = override ?? HEAP_HOSTS[config.region].privacy;
    this.got = got.extend({
      retry: { limit: 0 },
      throwHttpErrors: false,
      timeout: { request: config.timeout_ms },
      agent: { http: this.httpAgent, https: this.httpsAgent },
      headers: { 'user-agent': USER_AGENT },
    });
  }

  /** POSTs a JSON body (already serialised) to the ingestion host (`/api/track` and friends). */
  postJson(path: string, json: string): Promise<SendOutcome> {
    return this.send(`${this.ingestionBase}${path}`, { body: json, headers: { 'content-type': 'application/json' } });
  }

  /** POSTs with HTTP Basic auth to the privacy host (`auth_token`); the header never leaves this call. */
  postBasic(path: string, username: string, password: string): Promise<SendOutcome> {
    const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return this.send(`${this.privacyBase}${path}`, { headers: { authorization } });
  }

  private async send(url: string, options: { body?: string; headers: Record<string, string> }): Promise<SendOutcome> {
    try {
      const response = await this.got.post(url, { body: options.body, headers: options.headers });
      const retryAfter = response.headers['retry-after'];
      return { ok: true, answer: { status: response.statusCode, body: response.body, retryAfter } };
    } catch (error) {
      return { ok: false, error };
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

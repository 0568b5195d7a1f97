import http from 'node:http';
import https from 'node:https';
import got, { type Got } from 'got';
import type { HeapConfig } from './config.js';
import { HEAP_HOSTS } from './constants.js';
import type { SendOutcome } from './responses.js';

const USER_AGENT = 'datafly-heap-plugin/0.1';

/**
 * The only file that talks to Heap. got retries nothing (the host owns retries), throws on no
 * status (the adapter classifies), keeps sockets alive across batches, and gives up after `timeout_ms`.
 */
export class HeapClient {
  private readonly got: Got;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  /** Where track, user and account properties and merges go. */
  readonly ingestionBase: string;
  /** Where auth_token, user_deletion and deletion_status go. */
  readonly privacyBase: string;

  constructor(config: HeapConfig) {
    const override = config.endpoint ? config.endpoint.replace(/\/+$/, '') : undefined;
    this.ingestionBase = override ?? HEAP_HOSTS[config.region].ingestion;
    this.privacyBase = override ?? HEAP_HOSTS[config.region].privacy;
    this.got = got.extend({
      retry: { limit: 0 },
      throwHttpErrors: false,
      timeout: { request: config.timeout_ms },
      // Heap's answers are a few bytes: asking for no compression spares every request a decoder.
      decompress: false,
      agent: { http: this.httpAgent, https: this.httpsAgent },
      headers: { 'user-agent': USER_AGENT },
    });
  }

  /** POSTs a JSON body, already serialised; `bearer` for the privacy API. */
  postJson(url: string, json: string, bearer?: string): Promise<SendOutcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
    return this.send('POST', url, headers, json);
  }

  /** POSTs with HTTP Basic auth (`auth_token`); the header never leaves this call. */
  postBasic(url: string, username: string, password: string): Promise<SendOutcome> {
    return this.send('POST', url, { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });
  }

  getJson(url: string, bearer: string): Promise<SendOutcome> {
    return this.send('GET', url, { accept: 'application/json', authorization: `Bearer ${bearer}` });
  }

  private async send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<SendOutcome> {
    try {
      const response = await this.got(url, { method, body, headers });
      return { ok: true, answer: { status: response.statusCode, body: response.body, retryAfter: response.headers['retry-after'] } };
    } catch (error) {
      return { ok: false, error };
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

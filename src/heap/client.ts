import http from 'node:http';
import https from 'node:https';
import got, { RequestError, type Got, type Response } from 'got';
import type { HeapConfig } from './config.js';
import { HEAP_HOSTS } from './constants.js';
import { redact } from './text.js';
import type { SendOutcome, TransportFailure } from './transport.js';
import type { HeapAnswer } from './wire.js';
import { PACKAGE_VERSION } from '../version.js';

const USER_AGENT = `datafly-heap-plugin/${PACKAGE_VERSION}`;

/**
 * The only file that talks to Heap, and the only one that knows the HTTP client (got). Every status is
 * an answer (the adapter classifies); a request with no answer becomes a `TransportFailure`, classified
 * here from got's error code, so no library error travels further.
 *
 * - nothing is retried here: the host owns retries;
 * - redirects are not followed: Heap's API does not redirect, and following one would send the body
 *   and the Authorization header to another address; a 3xx comes back as an answer naming its Location;
 * - no compression is asked for (Heap's answers are a few bytes), no cache, HTTP/1.1 only;
 * - sockets stay alive across batches; a call gives up after `timeout_ms`, from start to last byte.
 */
export class HeapClient {
  private readonly agents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) };
  private readonly got: Got;
  private readonly apiKey: string;
  /** Where track, user and account properties and merges go. */
  readonly ingestionBase: string;
  /** Where auth_token, user_deletion and deletion_status go. */
  readonly privacyBase: string;

  constructor(config: HeapConfig) {
    const override = config.endpoint ? config.endpoint.replace(/\/+$/, '') : undefined;
    this.ingestionBase = override ?? HEAP_HOSTS[config.region].ingestion;
    this.privacyBase = override ?? HEAP_HOSTS[config.region].privacy;
    this.apiKey = config.api_key;
    this.got = got.extend({
      agent: this.agents,
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      decompress: false,
      cache: false,
      timeout: { request: config.timeout_ms },
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
      // Encoded once here: given a string, got encodes it to measure it and the socket encodes it again.
      const response = await this.got(url, { method, headers, body: body === undefined ? undefined : Buffer.from(body) });
      return { ok: true, answer: heapAnswer(response) };
    } catch (error) {
      const failure = transportFailure(error, url);
      return { ok: false, failure: { code: failure.code, message: redact(failure.message, this.apiKey) } };
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function heapAnswer(response: Response<string>): HeapAnswer {
  const answer: HeapAnswer = { status: response.statusCode, body: response.body };
  const { 'retry-after': retryAfter, location } = response.headers;
  if (retryAfter !== undefined) answer.retryAfter = retryAfter;
  if (location !== undefined) answer.location = location;
  return answer;
}

/** X.509 verification failures as Node's TLS reports them (OpenSSL's names), with what they mean. */
const CERTIFICATE_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed certificate this machine does not trust',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not known to this machine',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not known to this machine',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not known to this machine',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it was issued for another host name',
  HOSTNAME_MISMATCH: 'it was issued for another host name',
  CERT_REVOKED: 'it was revoked',
};
const OTHER_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'CERT_CHAIN_TOO_LONG',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
]);

/**
 * Why a request got no answer, from got's `RequestError.code` (got's own codes, and the Node system
 * and TLS codes it passes through). Timeouts, DNS failures, refused and reset connections are
 * transient; a refused certificate, a peer that does not speak HTTP or TLS, or a URL that cannot be
 * requested stays so until someone changes the config.
 */
function transportFailure(error: unknown, url: string): TransportFailure {
  const code = error instanceof RequestError ? error.code : '';
  const certificate = CERTIFICATE_REASONS[code] ?? (OTHER_CERTIFICATE_CODES.has(code) ? 'it cannot be verified' : undefined);
  if (certificate !== undefined) {
    return { code: 'tls_error', message: `The TLS certificate of ${url} was refused: ${certificate}. Heap's endpoint must present a certificate this machine trusts.` };
  }
  if (code === 'ETIMEDOUT') return { code: 'timeout', message: `Heap did not answer in time (${url})` };
  if (code.startsWith('HPE_')) return { code: 'protocol_error', message: `The endpoint ${url} did not answer in HTTP. Check that it is Heap's API or a proxy to it.` };
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
    return { code: 'protocol_error', message: `The endpoint ${url} did not answer in TLS: the server on that port speaks plain HTTP or another protocol. Check the scheme and the port.` };
  }
  if (code === 'ERR_INVALID_URL' || code === 'ERR_UNSUPPORTED_PROTOCOL') return { code: 'protocol_error', message: `${url} is not a URL Heap can be reached at. Check the endpoint override.` };
  if (code === 'ECONNREFUSED') return { code: 'network_error', message: `Could not reach Heap at ${url}: the connection was refused.` };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { code: 'network_error', message: `The connection to Heap at ${url} closed before an answer.` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { code: 'network_error', message: `Could not reach Heap at ${url}: its host name does not resolve.` };
  return { code: 'network_error', message: `Could not reach Heap at ${url}: the request failed${/^E[A-Z]+$/.test(code) ? ` (${code})` : ''}.` };
}

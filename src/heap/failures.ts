import { types } from 'node:util';
import { errors } from 'undici';
import type { Verdict } from './responses.js';
import { redact } from './text.js';

/** X.509 verification failures as Node reports them (OpenSSL's X509_V_ERR names). */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Something that is not HTTP on the other end: llhttp's parse errors, or a TLS port that does not speak TLS. */
function isNotHttp(code: string): boolean {
  return code.startsWith('HPE_') || code.startsWith('ERR_SSL_') || code === 'EPROTO';
}

const URL_CODES = new Set(['ERR_INVALID_URL', 'ERR_UNSUPPORTED_PROTOCOL', 'UND_ERR_INVALID_ARG']);

/** undici's own failures that mean the call took too long. */
const TIMEOUTS = [errors.ConnectTimeoutError, errors.HeadersTimeoutError, errors.BodyTimeoutError];

/**
 * A request that got no answer, read from typed errors (undici's error classes, the abort of the call's
 * timeout, and Node's system error codes that undici passes through): timeouts, DNS failures, refused and
 * reset connections are transient (retryable); a refused certificate or an endpoint that does not speak
 * HTTP stays so until someone changes the config (failed, with the reason).
 */
export function classifyFailure(error: unknown, url: string, secret = ''): Extract<Verdict, { kind: 'retryable' | 'failed' }> {
  const timedOut = (error instanceof DOMException && error.name === 'TimeoutError') || TIMEOUTS.some((type) => error instanceof type);
  if (timedOut) return { kind: 'retryable', code: 'timeout', message: `Heap did not answer in time (${url})` };
  // System errors come from Node's own realm: `isNativeError` knows them where `instanceof Error` may not.
  if (!isError(error)) return { kind: 'retryable', code: 'network_error', message: `Could not reach Heap at ${url}: unknown error` };
  // A socket error carries the system error that ended the socket as its cause.
  const source = error instanceof errors.SocketError && isError(error.cause) ? error.cause : error;
  const code = (source as NodeJS.ErrnoException).code ?? (error instanceof errors.HTTPParserError ? undefined : error instanceof errors.UndiciError ? error.code : source.name) ?? '';
  const reason = redact(code ? `${openSslReason(source.message)} (${code})` : openSslReason(source.message), secret);
  if (CERTIFICATE_CODES.has(code)) {
    return { kind: 'failed', code: 'tls_error', message: `The TLS certificate of ${url} was refused: ${reason}. Heap's endpoint must present a certificate this machine trusts.` };
  }
  if (isNotHttp(code) || error instanceof errors.HTTPParserError) return { kind: 'failed', code: 'protocol_error', message: `The endpoint ${url} did not answer in HTTP: ${reason}` };
  if (URL_CODES.has(code) || error instanceof errors.InvalidArgumentError) return { kind: 'failed', code: 'protocol_error', message: `${url} is not a URL Heap can be reached at: ${reason}` };
  if (code === 'ETIMEDOUT') return { kind: 'retryable', code: 'timeout', message: `Heap did not answer in time (${url})` };
  if (code === 'UND_ERR_SOCKET') return { kind: 'retryable', code: 'network_error', message: `The connection to Heap at ${url} closed before an answer (${code})` };
  return { kind: 'retryable', code: 'network_error', message: `Could not reach Heap at ${url}: ${code}` };
}

/** OpenSSL's messages carry a routine trace (`...:SSL routines:ssl3_get_record:wrong version number:...`): the words only. */
function openSslReason(message: string): string {
  return /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? message;
}

function isError(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}

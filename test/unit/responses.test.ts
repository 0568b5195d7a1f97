import { describe, expect, it } from '@jest/globals';
import { classifyAnswer, heapMessage, parseRetryAfter } from '../../src/heap/classify.js';

const NOW = Date.parse('2026-02-25T14:30:00Z');

describe('answer classification', () => {
  it.each([
    [200, 'delivered', undefined],
    [204, 'delivered', undefined],
    [400, 'split', 'rejected'],
    [413, 'split', 'rejected'],
    [401, 'failed', 'invalid_credentials'],
    [403, 'failed', 'invalid_credentials'],
    [404, 'failed', 'endpoint_not_found'],
    [418, 'failed', 'unexpected_status'],
    [408, 'retryable', 'timeout'],
    [429, 'retryable', 'rate_limited'],
    [500, 'retryable', 'server_error'],
    [502, 'retryable', 'server_error'],
  ])('%i → %s (%s)', (status, kind, code) => {
    const verdict = classifyAnswer({ status, body: '' }, { appId: '1', url: 'https://heapanalytics.com/api/track', now: NOW });
    expect(verdict.kind).toBe(kind);
    expect((verdict as { code?: string }).code).toBe(code);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('Wed, 25 Feb 2026 14:30:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });

  it('takes Heap’s words out of JSON or plain text, trimmed to 1 KB', () => {
    expect(heapMessage('{"message":"app_id is invalid"}')).toBe('app_id is invalid');
    expect(heapMessage('{"error":{"field":"x"}}')).toBe('{"field":"x"}');
    expect(heapMessage('Bad account_id')).toBe('Bad account_id');
    expect(heapMessage('x'.repeat(5000))).toHaveLength(1024);
  });
});

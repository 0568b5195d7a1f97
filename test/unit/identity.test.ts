import { describe, expect, it } from '@jest/globals';
import { anonymousUserId, resolveUser, userKey } from '../../src/heap/identity.js';

describe('anonymous user_id', () => {
  // Computed independently (Python: int.from_bytes(sha256(s.encode()).digest()[:8], 'big') >> 11).
  // These values are the public contract: if this test fails, every anonymous Heap user would split.
  it.each([
    ['anon-1', '1639105742322265'],
    ['anon-a1b2', '4133061749673396'],
    ['ü-visitor-🙂', '8120544943923416'],
    ['00000000-0000-4000-8000-000000000000', '7723015779124751'],
  ])('%s → %s', (anonymousId, expected) => {
    expect(anonymousUserId(anonymousId)).toBe(expected);
  });

  it('is always a decimal string below 2^53', () => {
    for (let i = 0; i < 2000; i++) {
      const id = anonymousUserId(`visitor-${i}`);
      expect(id).toMatch(/^[0-9]+$/);
      expect(BigInt(id) < 2n ** 53n).toBe(true);
    }
  });
});

describe('user keys', () => {
  it.each([
    ['user-1', 'user-1'],
    [42, '42'],
    ['', undefined],
    ['null', undefined],
    [' Undefined ', undefined],
    [null, undefined],
    [Number.NaN, undefined],
    [{}, undefined],
  ])('%p → %p', (value, expected) => {
    expect(userKey(value)).toBe(expected);
  });

  it('follows the anonymous strategy', () => {
    expect(resolveUser({ anonymousId: 'anon-1' }, 'user_id_hash')).toEqual({ kind: 'user', user: { user_id: '1639105742322265' }, identified: false });
    expect(resolveUser({ anonymousId: 'anon-1' }, 'identity')).toEqual({ kind: 'user', user: { identity: 'anon-1' }, identified: false });
    expect(resolveUser({ anonymousId: 'anon-1' }, 'drop')).toEqual({
      kind: 'dropped',
      message: 'anonymous event dropped: the blueprint sets options.identity.anonymous to "drop"',
    });
    expect(resolveUser({ userId: 'u', anonymousId: 'anon-1' }, 'drop')).toEqual({ kind: 'user', user: { identity: 'u' }, identified: true });
  });
});

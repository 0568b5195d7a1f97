import { describe, expect, it } from '@jest/globals';
import { userKeyOf } from '../../src/contract/index.js';
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
    [0, undefined],
    ['0', undefined],
    [' 0 ', undefined],
    [-0, undefined],
    ['00', '00'],
    ['', undefined],
    ['NULL', undefined],
    [null, undefined],
    [Number.NaN, undefined],
  ])('the contract reads %p as the user key %p (placeholders such as 0 are no user)', (value, expected) => {
    expect(userKeyOf(value)).toBe(expected);
  });

  it.each([
    ['user-1', 'user-1'],
    [42, '42'],
    ['', undefined],
    ['null', undefined],
    [' Undefined ', undefined],
    [null, undefined],
    [Number.NaN, undefined],
    [{}, undefined],
    ['0', '0'],
  ])('deletion still reaches %p as %p (identity "0" was sent before 0 became a placeholder)', (value, expected) => {
    expect(userKey(value)).toBe(expected);
  });

  it('sets a placeholder userId aside with a note, and fails an event with no other id', () => {
    const note = 'userId "0" is a placeholder for no user (like "", "null", "undefined", "0"), not an id: sent as the anonymous user of anonymousId';
    expect(resolveUser({ userId: '0', anonymousId: 'anon-1' }, 'user_id_hash')).toEqual({ kind: 'user', user: { user_id: '1639105742322265' }, identified: false, note });
    expect(resolveUser({ userId: 0 }, 'user_id_hash')).toEqual({
      kind: 'invalid',
      field: 'userId',
      message: 'userId 0 is a placeholder for no user (like "", "null", "undefined", "0"), not an id: the event has neither a userId nor an anonymousId, so Heap cannot attribute it to a user',
    });
    expect(resolveUser({ userId: null, anonymousId: 'anon-1' }, 'user_id_hash')).toEqual({ kind: 'user', user: { user_id: '1639105742322265' }, identified: false });
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

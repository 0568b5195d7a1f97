import { describe, expect, it } from '@jest/globals';
import { loadSecretKey, SecretBox, SecretTamperedError } from '../../src/host/secrets.js';
import { tokensMatch } from '../../src/host/http/auth.js';

const KEY = Buffer.alloc(32, 7);

describe('secrets at rest (AES-256-GCM)', () => {
  it('opens what it sealed, with a fresh nonce every time', () => {
    const box = new SecretBox(KEY);
    const a = box.seal('heap-api-key');
    const b = box.seal('heap-api-key');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(Buffer.from(a.split('.')[1], 'base64url')).toHaveLength(12);
    expect(box.open(a)).toBe('heap-api-key');
    expect(a).not.toContain('heap-api-key');
  });

  it('detects a changed ciphertext, tag or nonce and a different key, instead of decrypting garbage', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal('heap-api-key');
    const [version, nonce, tag, data] = sealed.split('.');
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] ^= 1;
      return bytes.toString('base64url');
    };
    for (const tampered of [
      [version, nonce, tag, flip(data)],
      [version, nonce, flip(tag), data],
      [version, flip(nonce), tag, data],
      ['v2', nonce, tag, data],
      [version, nonce, tag],
    ]) {
      expect(() => box.open(tampered.join('.'))).toThrow(SecretTamperedError);
    }
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed)).toThrow(
      'A stored secret failed its integrity check: it was altered, or DATAFLY_SECRET_KEY changed since it was stored',
    );
  });

  it('takes its key from DATAFLY_SECRET_KEY only when it is 64 hex characters', () => {
    expect(loadSecretKey('/nonexistent', 'ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(() => loadSecretKey('/nonexistent', 'xyz')).toThrow('DATAFLY_SECRET_KEY must be 64 hexadecimal characters (32 bytes)');
  });
});

describe('token comparison', () => {
  it('matches equal tokens only, whatever the lengths, without throwing', () => {
    expect(tokensMatch('admin-token', 'admin-token')).toBe(true);
    expect(tokensMatch('admin-token', 'admin-tokeN')).toBe(false);
    expect(tokensMatch('', 'admin-token')).toBe(false);
    expect(tokensMatch('a'.repeat(10_000), 'admin-token')).toBe(false);
  });
});

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeUtf8 } from '../../src/common/utf8.js';

/** The decode as it is specified: strict UTF-8, else the lenient decode with U+FFFD for each bad sequence. */
function specified(bytes: Uint8Array): { text: string; valid: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), valid: true };
  } catch {
    return { text: Buffer.from(bytes).toString('utf8'), valid: false };
  }
}

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ max: 0x7f, maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 32 }).map((s) => new Uint8Array(Buffer.from(s))),
);

describe('decodeUtf8', () => {
  it('answers what strict UTF-8 decoding answers, ASCII or not, over the bytes of a view into a larger buffer too', () => {
    fc.assert(
      fc.property(bytes, fc.nat(8), fc.nat(8), (body, before, after) => {
        const larger = Buffer.concat([Buffer.alloc(before, 0xc3), body, Buffer.alloc(after, 0x80)]);
        const view = larger.subarray(before, before + body.length);
        expect(decodeUtf8(view)).toEqual(specified(body));
        expect(decodeUtf8(body)).toEqual(specified(body));
      }),
      { numRuns: 3000, seed: 20261205 },
    );
  });

  it('keeps a byte-order mark as text and marks stray bytes', () => {
    expect(decodeUtf8(Buffer.from('\ufeff{"a":1}'))).toEqual({ text: '\ufeff{"a":1}', valid: true });
    expect(decodeUtf8(Buffer.from([0x7b, 0xc3, 0x7d]))).toEqual({ text: '{\ufffd}', valid: false });
    expect(decodeUtf8(Buffer.alloc(0))).toEqual({ text: '', valid: true });
  });
});

import { isAscii } from 'node:buffer';

/**
 * Text that is not UTF-8. Decoding it leniently turns each stray byte into U+FFFD, so `user\xc3`
 * and `user\xc4` would arrive as one id: a body or a line is decoded strictly first (the one pass
 * that any decode costs), and only when that fails is the lenient decode searched for U+FFFD, to
 * name the field that holds the bad bytes.
 */

const REPLACEMENT = '\uFFFD';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text, and whether the bytes were UTF-8 (when not, each bad sequence is U+FFFD in `text`). */
export function decodeUtf8(bytes: Uint8Array): { text: string; valid: boolean } {
  // Most bodies are ASCII, which is UTF-8 read a byte a character: told at once and copied as such,
  // without the decoder's work.
  if (isAscii(bytes)) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), valid: true };
  try {
    return { text: strict.decode(bytes), valid: true };
  } catch {
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), valid: false };
  }
}

/** What a refusal says of a field that held bytes that are not UTF-8. */
export const NOT_UTF8_REASON = 'holds bytes that are not UTF-8 (they would arrive as U+FFFD, and different values as the same one); send the text as UTF-8';

/**
 * The path (`properties.name`, `items.0`) of the first key or string in `value`, in document order,
 * that holds U+FFFD; `''` when `value` itself is such a string; undefined when none does. Iterative,
 * so the depth of a hostile body cannot overflow the stack.
 */
export function replacementPath(value: unknown): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: here, path } = stack.pop()!;
    if (typeof here === 'string') {
      if (here.includes(REPLACEMENT)) return path;
      continue;
    }
    if (here === null || typeof here !== 'object') continue;
    const keys = Object.keys(here);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const at = path === '' ? key : `${path}.${key}`;
      if (key.includes(REPLACEMENT)) stack.push({ value: REPLACEMENT, path: at });
      else stack.push({ value: (here as Record<string, unknown>)[key], path: at });
    }
  }
  return undefined;
}

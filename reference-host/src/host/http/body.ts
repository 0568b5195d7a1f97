import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body held bytes that are not UTF-8: U+FFFD stands in for them in what was parsed. */
    bodyNotUtf8: boolean;
    /** How deep the body nests (its objects and arrays count a level each): ingestion skips walking events no deeper than its bound. */
    bodyDepth: number;
  }
  interface FastifyContextConfig {
    /** The handler refuses the events that hold bytes that are not UTF-8 itself, keeping their neighbours. */
    notUtf8PerEvent?: boolean;
  }
}

/**
 * Deeper than this, a body is refused before `JSON.parse` sees it: parsing and then walking a body
 * of five million `[` blocks the event loop for seconds. Events themselves are held to a much lower
 * depth at ingestion (MAX_EVENT_DEPTH, 64), where the one offending event is named and its neighbours
 * kept; this bound only stops bodies no collector sends, at the cost of a scan that stops early.
 */
export const MAX_BODY_DEPTH = 10_000;

/** Parses a request body as JSON after a linear scan of its nesting depth (strings skipped), and answers the deepest it went. */
export function parseJsonBody(text: string): { value: unknown; depth: number } {
  if (text.trim() === '') return { value: undefined, depth: 0 };
  const depth = nestingDepth(text);
  try {
    return { value: JSON.parse(text), depth };
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
  }
}

/**
 * How deep the text's brackets and braces nest outside its strings; past MAX_BODY_DEPTH, a 400 at
 * once. A string is jumped over with `indexOf` to its closing quote (one not escaped by an odd run of
 * backslashes), not walked a character at a time: most of an event's bytes are in its strings.
 * A string left open ends the scan; JSON.parse then refuses the body.
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) break;
      i = end;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
      if (depth > MAX_BODY_DEPTH) throw new ApiError(400, 'body_too_deep', `The request body nests deeper than ${MAX_BODY_DEPTH} levels (an event may nest at most 64): nothing of it was read`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Whether the quote at `at` is escaped: an odd number of backslashes right before it. */
function escaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * At most `limit` request bodies are read and parsed at once; the rest wait in line (up to `queue`
 * of them, then 503). Parsing is synchronous, so this bounds the memory a flood of large bodies takes
 * and keeps the event loop free between them for everything else (health checks included).
 */
export class BodyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly queue = 256,
  ) {}

  async enter(reply: FastifyReply): Promise<void> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.queue) throw new ApiError(503, 'busy', 'The host is reading too many request bodies at once; retry shortly', undefined, { 'retry-after': '1' });
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    // The slot is held until the answer is sent (or the client goes away), then passed on.
    reply.raw.once('close', () => this.leave());
  }

  private leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/**
 * The body as a stream that fails with 408 when it has not fully arrived `ms` after its slot at the
 * gate was granted. A client that stops mid-body (slow loris) would otherwise hold its slot for as
 * long as it keeps the socket open, and `limit` such clients would stall every other body.
 * The answer closes the connection, which gives the slot back.
 */
export function readWithin(payload: Readable, ms: number, reply: FastifyReply): Readable {
  const body = new PassThrough();
  // Whoever reads the body hears the timeout; when nobody does (the answer went without it), it is dropped.
  body.on('error', () => undefined);
  const timer = setTimeout(() => {
    payload.unpipe(body);
    if (reply.sent || reply.raw.writableEnded) return;
    body.destroy(
      new ApiError(408, 'body_timeout', `The request body did not arrive within ${ms} ms (DATAFLY_BODY_TIMEOUT_MS): nothing of this request was accepted; send it again`, undefined, {
        connection: 'close',
      }),
    );
  }, ms);
  const done = () => clearTimeout(timer);
  payload.once('end', done);
  payload.once('close', done);
  reply.raw.once('close', done);
  payload.pipe(body);
  return body;
}

/**
 * A body refused before it was read to its end (past the size bound) is read on and dropped, for up
 * to `ms`, before the connection is given up: a connection closed with bytes unread is reset, and a
 * client still sending would see the reset instead of the answer that names the bound.
 */
export function discardRest(request: IncomingMessage, reply: FastifyReply, ms: number): void {
  if (request.complete) return;
  reply.removeHeader('connection');
  request.unpipe();
  request.resume();
  const timer = setTimeout(() => request.socket.destroy(), ms);
  timer.unref();
  request.once('end', () => clearTimeout(timer));
  request.once('close', () => clearTimeout(timer));
}

import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../contract/index.js';
import { ApiError } from '../errors.js';
import type { Auth, Router } from './router.js';

export interface ServerOptions {
  router: Router;
  tokens: { admin: string; pipeline: string };
  maxBodyBytes: number;
  logger: Logger;
}

/** Compares secrets in constant time: both sides are hashed first so their lengths never leak either. */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const AUTH_MESSAGES: Record<Exclude<Auth, 'public'>, string> = {
  admin: 'A valid admin token is required: Authorization: Bearer <admin token>',
  pipeline: 'A valid pipeline key is required: Authorization: Bearer <pipeline key>',
};

/** The host's one HTTP server: Management API, ingestion and the page, all from one route table. */
export function createServer(options: ServerOptions): http.Server {
  const { router, tokens, maxBodyBytes, logger } = options;
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    // A request target that is not a URL (`http://a:99999/`, `//[/x`) is the client's mistake, never a crash.
    const url = URL.canParse(req.url ?? '/', 'http://host') ? new URL(req.url ?? '/', 'http://host') : undefined;
    let status = 500;
    try {
      if (!url) throw new ApiError(400, 'invalid_request_target', 'The request target is not a valid URL path');
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (!match) throw new ApiError(404, 'not_found', `No route for ${req.method} ${url.pathname}`);
      if ('allowed' in match) throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`, undefined, { allow: match.allowed.join(', ') });
      const { route, params } = match;
      if (route.auth !== 'public') {
        const header = req.headers.authorization ?? '';
        const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
        if (!given || !tokensMatch(given, tokens[route.auth])) {
          req.resume();
          throw new ApiError(401, 'unauthorized', AUTH_MESSAGES[route.auth], undefined, { 'www-authenticate': 'Bearer' });
        }
      }
      const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readJson(req, maxBodyBytes);
      const reply = await route.handler({ req, params, query: url.searchParams, body });
      status = reply.status ?? 200;
      const payload = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
      res.writeHead(status, {
        'content-type': reply.contentType ?? 'application/json; charset=utf-8',
        'x-content-type-options': 'nosniff',
        ...reply.headers,
      });
      res.end(payload);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'internal_error', 'The host failed to handle this request; see its log');
      if (!(error instanceof ApiError)) logger.error('request failed', { method: req.method, path: url?.pathname, error: error instanceof Error ? error.message : String(error) });
      status = apiError.status;
      const envelope: Record<string, unknown> = { code: apiError.code, message: apiError.message };
      if (apiError.fields) envelope.fields = apiError.fields;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...apiError.headers });
      res.end(JSON.stringify({ error: envelope }));
    } finally {
      logger.debug('http', { method: req.method, path: url?.pathname, status, ms: Math.round(performance.now() - started) });
    }
  };
  // Whatever escapes a request (a socket gone mid-answer, say) ends that request, never the process.
  return http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      logger.error('request ended on an error', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) res.writeHead(500);
      res.destroy();
    });
  });
}

function readJson(req: http.IncomingMessage, max: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      req.resume();
      return reject(tooLarge(max));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) {
        failed = true;
        req.resume();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ApiError(400, 'invalid_json', 'The request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

function tooLarge(max: number): ApiError {
  return new ApiError(413, 'payload_too_large', `The request body is larger than ${max} bytes`);
}

export function listen(server: http.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
    });
  });
}

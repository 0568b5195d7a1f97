import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '@datafly/heap-integration/contract';
import { ApiError, badRequest } from '../errors.js';
import { decodeUtf8, NOT_UTF8_REASON, replacementPath } from '../../common/utf8.js';
import { requireTokens } from './auth.js';
import { BodyGate, discardRest, parseJsonBody, readWithin } from './body.js';
import { answerClientError, sendError, toApiError } from './error-replies.js';
import { describeApi } from './openapi.js';
import { allowedMethods, recordRoutes } from './route-table.js';
import { checkWithZod } from './validation.js';

export interface AppOptions {
  tokens: { admin: string; pipeline: string };
  maxBodyBytes: number;
  /** Request bodies parsed at once; the rest wait their turn (a flood of large bodies cannot stall the host). */
  maxConcurrentBodies: number;
  /** How long a body may take to arrive once its turn came (a client that stops mid-body gives its turn back). */
  bodyTimeoutMs: number;
  logger: Logger;
  version: string;
}

/** A request target that is not a URL path (`http://a:99999/`, `//[/x`) is routed here, never to a crash. */
const INVALID_TARGET = '/__invalid_request_target';

/**
 * The host's one HTTP server (Fastify): Management API, ingestion, the page and the OpenAPI document.
 * Every error is `{"error": {"code", "message", "fields"?}}`; every answer says `nosniff`. The routes
 * are registered on it afterwards (routes/index.ts).
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const { logger } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxBodyBytes,
    // Keep-alive sockets of a load balancer outlive the default 72 s idle timeout on neither side.
    keepAliveTimeout: 65_000,
    rewriteUrl: (req) => (URL.canParse(req.url ?? '/', 'http://host') && (req.url ?? '/').startsWith('/') ? (req.url ?? '/') : INVALID_TARGET),
    // Routes are matched case-sensitively, trailing slash and all, as the route table says.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true },
    // A path the router cannot decode (`/%%`) is an invalid target too, answered in the host's envelope.
    frameworkErrors: (error, _req, reply) => {
      const target = error.code === 'FST_ERR_BAD_URL';
      void sendError(reply, new ApiError(400, target ? 'invalid_request_target' : 'bad_request', target ? 'The request target is not a valid URL path' : `The request could not be read (${error.code})`));
    },
    clientErrorHandler: answerClientError,
  });

  recordRoutes(app);
  checkWithZod(app);
  readBodies(app, options);
  requireTokens(app, options.tokens);
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    logger.debug('http', { method: req.method, path: req.routeOptions.url ?? req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });
  app.setErrorHandler((error: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(error, options.maxBodyBytes);
    if (apiError.status >= 500) logger.error('request failed', { method: req.method, path: req.routeOptions.url ?? req.url, error: error instanceof Error ? error.message : String(error) });
    if (apiError.code === 'payload_too_large') discardRest(req.raw, reply, options.bodyTimeoutMs);
    return sendError(reply, apiError);
  });

  await describeApi(app, options.version);
  app.get(INVALID_TARGET, { schema: { hide: true } }, async () => {
    throw new ApiError(400, 'invalid_request_target', 'The request target is not a valid URL path');
  });
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const allowed = allowedMethods(app, path);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(reply, new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}`));
    }
    return sendError(reply, new ApiError(404, 'not_found', `No route for ${req.method} ${path}`));
  });
  return app;
}

/** Bodies are read a few at a time, each within its time, and parsed as JSON whatever their content type. */
function readBodies(app: FastifyInstance, options: Pick<AppOptions, 'maxConcurrentBodies' | 'bodyTimeoutMs'>): void {
  const gate = new BodyGate(options.maxConcurrentBodies);
  app.removeAllContentTypeParsers();
  app.decorateRequest('bodyNotUtf8', false);
  app.decorateRequest('bodyDepth', 0);
  // Any content type is read as JSON: `curl -d` without a header sends form-encoded JSON.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      const { text, valid } = decodeUtf8(body as Buffer);
      // Ingestion refuses the events that hold the bytes (see utf8.ts); their neighbours go on.
      req.bodyNotUtf8 = !valid;
      const { value, depth } = parseJsonBody(text);
      req.bodyDepth = depth;
      done(null, value);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // Elsewhere (configs, blueprints, deletions) a U+FFFD would be stored or sent as if it had been sent.
  app.addHook('preValidation', async (req) => {
    if (req.bodyNotUtf8 && !req.routeOptions.config.notUtf8PerEvent) throw notUtf8Body(req.body);
  });
  app.addHook('preParsing', async (req, reply, payload) => {
    if (req.method === 'GET' || req.method === 'DELETE' || req.method === 'HEAD') return payload;
    await gate.enter(reply);
    return readWithin(payload, options.bodyTimeoutMs, reply);
  });
}

/** A 400 naming where in the body the bytes that are not UTF-8 are; nothing of the body was kept. */
function notUtf8Body(body: unknown): ApiError {
  const path = replacementPath(body);
  const field = path ? `body.${path}` : 'body';
  return badRequest(`${field}: ${NOT_UTF8_REASON}; nothing was changed`, [{ field, message: NOT_UTF8_REASON }]);
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Logger } from '@datafly/heap-integration/contract';
import { fieldIssues } from '@datafly/heap-integration/contract';
import { ApiError } from '../errors.js';
import { BodyGate, discardRest, parseJsonBody, readWithin } from './body.js';

export type Auth = 'admin' | 'pipeline' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: Auth;
  }
}

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

const handlerChecked = new WeakSet<z.ZodType>();

/**
 * A schema that documents a body the handler checks itself (ingestion answers per item; install and
 * edit name near misses of unknown keys): Fastify passes the body through unvalidated, and the
 * handler sees it as it is, `unknown`.
 */
export function checkedByHandler(schema: z.ZodType): z.ZodType {
  handlerChecked.add(schema);
  return schema;
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

export interface RouteEntry {
  method: string;
  url: string;
  auth: Auth;
  /** Left out of the OpenAPI document (the page's files, the document itself). */
  hidden: boolean;
}
const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route of an app, as registered: tests check each is documented and each guards its auth. */
export function routesOf(app: FastifyInstance): readonly RouteEntry[] {
  return routeTables.get(app) ?? [];
}

/** A request target that is not a URL path (`http://a:99999/`, `//[/x`) is routed here, never to a crash. */
const INVALID_TARGET = '/__invalid_request_target';

/**
 * The host's one HTTP server (Fastify): Management API, ingestion, the page and the OpenAPI document.
 * Every error is `{"error": {"code", "message", "fields"?}}`; every answer says `nosniff`.
 */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const { tokens, logger } = options;
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

  const patterns: RouteEntry[] = [];
  routeTables.set(app, patterns);
  app.addHook('onRoute', (route) => {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [route.method].flat()) if (method !== 'HEAD') patterns.push({ method, url: route.url, auth: route.config?.auth ?? 'public', hidden });
  });

  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zodSchema = schema as unknown as z.ZodType;
    // The handler reads the body as sent. Fastify hands an absent body to a validator as null and
    // stores whatever `value` it answers, so answering no value keeps "no body" apart from `null`.
    if (handlerChecked.has(zodSchema)) return () => true;
    return (data) => {
      const parsed = zodSchema.safeParse(data);
      if (parsed.success) return { value: parsed.data };
      const fields = fieldIssues(parsed.error);
      return { error: new ApiError(400, 'invalid_request', `The request ${httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : httpPart} is invalid: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields) };
    };
  });
  // Response schemas document the answers; the handlers build them, so serialising is plain JSON.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const gate = new BodyGate(options.maxConcurrentBodies);
  app.removeAllContentTypeParsers();
  // Any content type is read as JSON: `curl -d` without a header sends form-encoded JSON.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const auth = req.routeOptions.config.auth ?? 'public';
    if (auth === 'public') return;
    const header = req.headers.authorization ?? '';
    // The scheme is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
    const match = /^bearer\s+(.+)$/i.exec(header);
    const given = match ? match[1].trim() : '';
    if (!given || !tokensMatch(given, tokens[auth])) {
      reply.header('www-authenticate', 'Bearer');
      throw new ApiError(401, 'unauthorized', AUTH_MESSAGES[auth]);
    }
  });
  app.addHook('preParsing', async (req, reply, payload) => {
    if (req.method === 'GET' || req.method === 'DELETE' || req.method === 'HEAD') return payload;
    await gate.enter(reply);
    return readWithin(payload, options.bodyTimeoutMs, reply);
  });
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

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Datafly reference host: Management API and ingestion',
        version: options.version,
        description:
          'Install and watch integrations (`/v1/admin`, admin token) and send events (`/v1/batch`, `/v1/t|p|i|g`, pipeline key). Errors are `{"error": {"code", "message", "fields"?}}`; lists are `{data, next_cursor, has_more}`.',
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token (DATAFLY_ADMIN_TOKEN)' },
          pipelineKey: { type: 'http', scheme: 'bearer', description: 'The pipeline key (DATAFLY_PIPELINE_KEY)' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
    hideUntagged: false,
  });

  app.get(INVALID_TARGET, { schema: { hide: true } }, async () => {
    throw new ApiError(400, 'invalid_request_target', 'The request target is not a valid URL path');
  });
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const allowed = patterns.filter((r) => matches(r.url, path)).map((r) => r.method);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(reply, new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${path}`));
    }
    return sendError(reply, new ApiError(404, 'not_found', `No route for ${req.method} ${path}`));
  });
  return app;
}

/**
 * A request Node cannot parse as HTTP (`GET foo`, oversized headers, a stalled header) never reaches a
 * route: it is answered on the socket, in the host's envelope, then the connection is closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'The request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request headers are larger than the host takes']
        : [400, 'bad_request', `The request is not valid HTTP${error.code ? ` (${error.code})` : ''}`];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

function sendError(reply: FastifyReply, error: ApiError) {
  const envelope: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.fields) envelope.fields = error.fields;
  for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
  // Also here: an answer to a path the router could not decode runs no hooks.
  reply.header('x-content-type-options', 'nosniff');
  return reply.code(error.status).type('application/json; charset=utf-8').send({ error: envelope });
}

/** Fastify's own errors (body too large, bad content) in the host's words. */
function toApiError(error: unknown, maxBodyBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', `The request body is larger than ${maxBodyBytes} bytes (DATAFLY_MAX_BODY_BYTES); send fewer events per request`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'invalid_request', e.message ?? 'The request body is invalid');
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new ApiError(e.statusCode, 'invalid_request', e.message ?? 'The request is invalid');
  return new ApiError(500, 'internal_error', 'The host failed to handle this request; see its log');
}

function matches(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const got = path.split('/');
  return want.length === got.length && want.every((w, i) => (w.startsWith(':') ? got[i] !== '' : w === got[i]));
}

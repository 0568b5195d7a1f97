import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.js';

/**
 * A request Node cannot parse as HTTP (`GET foo`, oversized headers, a stalled header) never reaches a
 * route: it is answered on the socket, in the host's envelope, then the connection is closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
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

export function sendError(reply: FastifyReply, error: ApiError) {
  const envelope: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.fields) envelope.fields = error.fields;
  for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
  // Also here: an answer to a path the router could not decode runs no hooks.
  reply.header('x-content-type-options', 'nosniff');
  return reply.code(error.status).type('application/json; charset=utf-8').send({ error: envelope });
}

/** Fastify's own errors (body too large, bad content) in the host's words. */
export function toApiError(error: unknown, maxBodyBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', `The request body is larger than ${maxBodyBytes} bytes (DATAFLY_MAX_BODY_BYTES); send fewer events per request`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'invalid_request', e.message ?? 'The request body is invalid');
  }
  // Only Fastify's own words are the client's to read: any other error that carries a status (a
  // plugin's, a library's) may hold what no answer should, and goes to the log.
  const fastifys = typeof e.code === 'string' && e.code.startsWith('FST_');
  if (fastifys && e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new ApiError(e.statusCode, 'invalid_request', e.message ?? 'The request is invalid');
  return new ApiError(500, 'internal_error', 'The host failed to handle this request; see its log');
}

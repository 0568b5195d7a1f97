import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';

/** Who may call a route: the admin token, the pipeline key, or anyone. */
export type Auth = 'admin' | 'pipeline' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: Auth;
  }
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

/** Every route that says `config: { auth }` answers 401 before anything else without the right bearer token. */
export function requireTokens(app: FastifyInstance, tokens: { admin: string; pipeline: string }): void {
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
}

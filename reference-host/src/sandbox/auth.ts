import { randomBytes } from 'node:crypto';
import type { SandboxCredentials } from './options.js';

/** Heap's access tokens live about 5 minutes. */
const TOKEN_LIFETIME_MS = 5 * 60_000;

/** A privacy API call without a valid Bearer access token: Heap answers 401. */
export class Unauthorized extends Error {
  constructor() {
    super('a valid Bearer access token is required');
  }
}

/**
 * The privacy API's authentication: `auth_token` trades HTTP Basic app_id:api_key for an access
 * token; user_deletion and deletion_status take that token as Bearer. Tokens outlive `reset()`, as a
 * client holding one expects.
 */
export class AccessTokens {
  private readonly tokens = new Map<string, { app_id: string; expires: number }>();

  constructor(private readonly credentials: readonly SandboxCredentials[]) {}

  /** A token for a Basic header naming a configured pair, or why not (Heap answers 401). */
  issue(authorization: string | undefined, now: number): { access_token: string } | { error: string } {
    const [scheme, encoded] = (authorization ?? '').split(' ');
    if (scheme !== 'Basic' || !encoded) return { error: 'Basic authentication with app_id:api_key is required' };
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const appId = decoded.slice(0, colon);
    const apiKey = decoded.slice(colon + 1);
    if (colon < 0 || !this.credentials.some((c) => c.app_id === appId && c.api_key === apiKey)) return { error: 'Unauthorized' };
    const token = randomBytes(24).toString('hex');
    this.tokens.set(token, { app_id: appId, expires: now + TOKEN_LIFETIME_MS });
    return { access_token: token };
  }

  /** The app a Bearer token was issued for; throws Unauthorized for a missing, unknown or expired one. */
  appOf(authorization: string | undefined, now: number): string {
    const token = (authorization ?? '').replace(/^Bearer /, '');
    const entry = this.tokens.get(token);
    if (!entry || entry.expires < now) throw new Unauthorized();
    return entry.app_id;
  }
}

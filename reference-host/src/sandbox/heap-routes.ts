import type { KnownApps } from './apps.js';
import { Unauthorized, type AccessTokens } from './auth.js';
import type { RateLimiter } from './limits.js';
import { RequestProblem } from './problems.js';
import { reply, type Reply } from './reply.js';
import type { RecordedState } from './state.js';
import { checkAccountProperties, checkAppId, checkDeletion, checkMerge, checkTrackEvent, checkUserProperties, itemsOf, requireObject } from './validate.js';

/** What Heap's API routes work on: the recorded state, the account's apps and tokens, the rate limits, the time. */
export interface HeapContext {
  state: RecordedState;
  apps: KnownApps;
  tokens: AccessTokens;
  limiter: RateLimiter;
  now: number;
}

export interface HeapRequest {
  method: string;
  path: string;
  authorization?: string;
  body: unknown;
}

type Route = (ctx: HeapContext, request: HeapRequest) => Reply;

const DELETION_STATUS = '/api/public/v0/deletion_status/';
const ACCOUNT_PROPERTIES = '/api/add_account_properties';

/** Heap's Server-Side API: the answer to one request, its effects on the recorded state done. */
export function answerHeap(ctx: HeapContext, request: HeapRequest): Reply {
  try {
    if (request.method === 'GET' && request.path.startsWith(DELETION_STATUS)) return deletionStatus(ctx, request);
    const route = POST_ROUTES.get(request.path);
    if (!route) return reply(404, { error: `no Heap endpoint at ${request.path}` });
    if (request.method !== 'POST') return reply(405, { error: `${request.method} is not allowed on ${request.path}` });
    return route(ctx, request);
  } catch (error) {
    if (error instanceof Unauthorized) return reply(401, { error: error.message });
    if (!(error instanceof RequestProblem)) throw error;
    // Heap documents account properties' answers as plain text.
    return reply(400, request.path === ACCOUNT_PROPERTIES ? error.message : { error: error.message });
  }
}

/**
 * The body's app_id and whether the account has that app; a request naming another is counted
 * (stats' unknown_app_ids). It is refused at once in `reject` mode; in `drop` mode the route still
 * checks the rest, since a malformed request is the client's bug whatever the app, then answers as
 * Heap is reported to (200) and keeps nothing.
 */
function appOf(ctx: HeapContext, body: Record<string, unknown>): { appId: string; known: boolean } {
  const appId = checkAppId(body);
  const known = ctx.apps.has(appId);
  if (known) return { appId, known };
  ctx.state.countUnknownApp(appId);
  if (ctx.apps.unknown === 'reject') throw new RequestProblem(`app_id: ${appId} is not an app of this Heap account`);
  return { appId, known };
}

/** Heap's answer to a request for an unknown app, marked so a person inspecting the sandbox sees why nothing arrived. */
function dropped(body: unknown): Reply {
  return { status: 200, body, dropped: 'unknown app_id' };
}

function rateLimited(limited: { retryAfterMs: number; limit: string }): Reply {
  return reply(429, { error: `rate limit exceeded: ${limited.limit}` }, { 'retry-after': String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))) });
}

function track(ctx: HeapContext, request: HeapRequest): Reply {
  const body = requireObject(request.body);
  const { appId, known } = appOf(ctx, body);
  const bulk = 'events' in body;
  const { items, prefix } = itemsOf(body, 'events');
  const events = items.map((item, i) => checkTrackEvent(item, prefix(i)));
  if (!known) return dropped({});
  const identities = new Map<string, number>();
  for (const e of events) {
    const key = e.identity ?? `user_id:${e.user_id}`;
    identities.set(key, (identities.get(key) ?? 0) + 1);
  }
  const limited = ctx.limiter.check(appId, bulk ? 'bulk_track' : 'single_call', identities, ctx.now);
  if (!limited.ok) return rateLimited(limited);
  ctx.state.acceptEvents(appId, events, ctx.now);
  return reply(200, {});
}

function addUserProperties(ctx: HeapContext, request: HeapRequest): Reply {
  const body = requireObject(request.body);
  const { appId, known } = appOf(ctx, body);
  const { items, prefix } = itemsOf(body, 'users');
  const users = items.map((item, i) => checkUserProperties(item, prefix(i)));
  if (!known) return dropped({});
  const limited = ctx.limiter.check(appId, 'single_call', new Map(users.map((u) => [u.identity, 1])), ctx.now);
  if (!limited.ok) return rateLimited(limited);
  for (const u of users) ctx.state.setUserProperties(appId, u.identity, u.properties);
  return reply(200, {});
}

function addAccountProperties(ctx: HeapContext, request: HeapRequest): Reply {
  const body = requireObject(request.body);
  const { appId, known } = appOf(ctx, body);
  const { items, prefix } = itemsOf(body, 'accounts');
  const accounts = items.map((item, i) => checkAccountProperties(item, prefix(i)));
  if (!known) return dropped('OK');
  for (const a of accounts) ctx.state.setAccountProperties(appId, a.account_id, a.properties);
  return reply(200, 'OK');
}

function identify(ctx: HeapContext, request: HeapRequest): Reply {
  const body = requireObject(request.body);
  const { appId, known } = appOf(ctx, body);
  const merge = checkMerge(body);
  if (!known) return dropped({});
  ctx.state.addMerge({ app_id: appId, user_id: merge.user_id, identity: merge.identity });
  return reply(200, {});
}

function authToken(ctx: HeapContext, request: HeapRequest): Reply {
  const issued = ctx.tokens.issue(request.authorization, ctx.now);
  return reply('error' in issued ? 401 : 200, issued);
}

/**
 * Heap deletes across every environment of the account; the sandbox has no notion of an account
 * beyond its apps, so it deletes in the app the token was issued for.
 */
function userDeletion(ctx: HeapContext, request: HeapRequest): Reply {
  const appId = ctx.tokens.appOf(request.authorization, ctx.now);
  const users = checkDeletion(requireObject(request.body));
  const { deletion_request_id: id } = ctx.state.deleteUsers(appId, users, ctx.now);
  return reply(201, { deletion_request_id: id, deletion_request_location: `${DELETION_STATUS}${id}`, status: 'pending' });
}

function deletionStatus(ctx: HeapContext, request: HeapRequest): Reply {
  ctx.tokens.appOf(request.authorization, ctx.now);
  const id = safeDecode(request.path.slice(DELETION_STATUS.length));
  const status = ctx.state.pollDeletion(id, ctx.now);
  return status ? reply(200, { deletion_request_id: id, status }) : reply(404, { error: `no deletion request ${id}` });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const POST_ROUTES = new Map<string, Route>([
  ['/api/track', track],
  ['/api/add_user_properties', addUserProperties],
  [ACCOUNT_PROPERTIES, addAccountProperties],
  ['/api/v1/identify', identify],
  ['/api/public/v0/auth_token', authToken],
  ['/api/public/v0/user_deletion', userDeletion],
]);

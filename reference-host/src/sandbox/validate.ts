import { problem } from './problems.js';

/**
 * Request checks as Heap's Server-Side API documents them (its limits are below; docs/heap-api.md
 * keeps the API's facts). Each returns the first problem as a sentence naming the field, or the items
 * it accepted.
 */
export const SANDBOX_LIMITS = {
  bulkItems: 1000,
  identityLength: 255,
  eventNameLength: 1024,
  /** Keys and values: fewer than 1024 characters. */
  propertyKeyLength: 1023,
  propertyValueLength: 1023,
  deletionUsers: 10_000,
  maxUserId: 2n ** 53n - 1n,
} as const;

/** Heap's app ids are numbers; the body may carry one as a number or a numeric string. */
export const APP_ID_PATTERN = /^[0-9]+$/;

type Json = Record<string, unknown>;

export interface TrackEvent {
  event: string;
  identity?: string;
  user_id?: string;
  properties: Record<string, string | number | (string | number)[]>;
  timestamp?: string;
  idempotency_key?: string;
  session_id?: string;
}

export function requireObject(body: unknown): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body)) problem('body', 'must be a JSON object');
  return body as Json;
}

export function checkAppId(body: Json): string {
  const appId = body.app_id;
  if (appId === undefined || appId === null || appId === '') problem('app_id', 'is required');
  if ((typeof appId !== 'string' && typeof appId !== 'number') || !APP_ID_PATTERN.test(String(appId))) problem('app_id', 'must be a numeric string');
  return String(appId);
}

/** Items of a bulk form (`events`, `users`, `accounts`), or the body itself as the single form. */
export function itemsOf(body: Json, field: string): { items: Json[]; prefix: (i: number) => string } {
  if (!(field in body)) return { items: [body], prefix: () => '' };
  const items = body[field];
  if (!Array.isArray(items)) problem(field, 'must be an array');
  if (items.length === 0) problem(field, 'must hold at least one item');
  if (items.length > SANDBOX_LIMITS.bulkItems) problem(field, `holds ${items.length} items; at most ${SANDBOX_LIMITS.bulkItems} are allowed`);
  items.forEach((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) problem(`${field}[${i}]`, 'must be an object');
  });
  return { items: items as Json[], prefix: (i) => `${field}[${i}].` };
}

function checkIdentity(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') problem(field, 'must be a non-empty string');
  if (value.length > SANDBOX_LIMITS.identityLength) problem(field, `must be at most ${SANDBOX_LIMITS.identityLength} characters (got ${value.length})`);
  return value;
}

export function checkUserId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9]{1,16}$/.test(value) || BigInt(value) > SANDBOX_LIMITS.maxUserId) {
    problem(field, 'must be a decimal string holding an integer between 0 and 2^53-1');
  }
  return value;
}

/** Exactly one of identity or user_id. */
function checkUser(item: Json, at: string): { identity?: string; user_id?: string } {
  const hasIdentity = item.identity !== undefined;
  const hasUserId = item.user_id !== undefined;
  if (hasIdentity === hasUserId) problem(`${at}identity`, 'exactly one of identity or user_id is required');
  return hasIdentity ? { identity: checkIdentity(item.identity, `${at}identity`) } : { user_id: checkUserId(item.user_id, `${at}user_id`) };
}

function checkTimestamp(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    problem(field, 'must be an ISO 8601 date-time such as 2017-03-10T22:21:56+00:00');
  }
  return value;
}

export function checkProperties(value: unknown, field: string, options: { arrays: boolean; forbidId: boolean; required: boolean }): TrackEvent['properties'] {
  if (value === undefined && !options.required) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) problem(field, 'must be an object');
  const checked: TrackEvent['properties'] = {};
  for (const [key, v] of Object.entries(value)) {
    const at = `${field}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`;
    if (key.length > SANDBOX_LIMITS.propertyKeyLength) problem(at, `property names must be fewer than ${SANDBOX_LIMITS.propertyKeyLength + 1} characters (got ${key.length})`);
    if (options.forbidId && key.toLowerCase() === 'id') problem(at, '"id" is not allowed as a user property name');
    if (Array.isArray(v) && options.arrays) {
      v.forEach((el, i) => checkScalar(el, `${at}[${i}]`));
      Object.defineProperty(checked, key, { value: v, enumerable: true });
    } else {
      Object.defineProperty(checked, key, { value: checkScalar(v, at), enumerable: true });
    }
  }
  return checked;
}

function checkScalar(v: unknown, at: string): string | number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) problem(at, 'must be a finite number');
    return v;
  }
  if (typeof v === 'string') {
    if (v.length > SANDBOX_LIMITS.propertyValueLength) problem(at, `values must be fewer than ${SANDBOX_LIMITS.propertyValueLength + 1} characters (got ${v.length})`);
    return v;
  }
  return problem(at, `must be a string or a number (got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v})`);
}

export function checkTrackEvent(item: Json, at: string): TrackEvent {
  const event = item.event;
  if (typeof event !== 'string' || event === '') problem(`${at}event`, 'is required and must be a non-empty string');
  if (event.length > SANDBOX_LIMITS.eventNameLength) problem(`${at}event`, `must be at most ${SANDBOX_LIMITS.eventNameLength} characters (got ${event.length})`);
  const user = checkUser(item, at);
  const properties = checkProperties(item.properties, `${at}properties`, { arrays: true, forbidId: false, required: false });
  const timestamp = checkTimestamp(item.timestamp, `${at}timestamp`);
  if (item.idempotency_key !== undefined && (typeof item.idempotency_key !== 'string' || item.idempotency_key === '')) {
    problem(`${at}idempotency_key`, 'must be a non-empty string');
  }
  return { event, ...user, properties, timestamp, idempotency_key: item.idempotency_key as string | undefined, session_id: item.session_id as string | undefined };
}

export function checkUserProperties(item: Json, at: string): { identity: string; properties: TrackEvent['properties'] } {
  if (item.user_id !== undefined) problem(`${at}user_id`, 'add_user_properties takes identity only; anonymous users cannot get user properties');
  const identity = checkIdentity(item.identity, `${at}identity`);
  return { identity, properties: checkProperties(item.properties, `${at}properties`, { arrays: false, forbidId: true, required: true }) };
}

export function checkAccountProperties(item: Json, at: string): { account_id: string; properties: TrackEvent['properties'] } {
  const accountId = item.account_id;
  if ((typeof accountId !== 'string' && typeof accountId !== 'number') || accountId === '') problem(`${at}account_id`, 'is required');
  return { account_id: String(accountId), properties: checkProperties(item.properties, `${at}properties`, { arrays: false, forbidId: false, required: true }) };
}

export function checkMerge(body: Json): { user_id: string; identity: string; timestamp?: string } {
  return {
    user_id: checkUserId(body.user_id, 'user_id'),
    identity: checkIdentity(body.identity, 'identity'),
    timestamp: checkTimestamp(body.timestamp, 'timestamp'),
  };
}

/** A user named in a deletion request: by identity or by Heap's user_id. */
export type DeletionUser = { identity: string } | { user_id: string };

export function checkDeletion(body: Json): DeletionUser[] {
  const users = body.users;
  if (!Array.isArray(users) || users.length === 0) problem('users', 'must be a non-empty array');
  if (users.length > SANDBOX_LIMITS.deletionUsers) problem('users', `holds ${users.length} users; at most ${SANDBOX_LIMITS.deletionUsers} are allowed`);
  return users.map((u, i) => {
    if (!u || typeof u !== 'object' || Array.isArray(u)) problem(`users[${i}]`, 'must be an object');
    const user = checkUser(u as Json, `users[${i}].`);
    return user.identity !== undefined ? { identity: user.identity } : { user_id: user.user_id! };
  });
}

// The Management API of this host: the only origin the page talks to.

const TOKEN_KEY = 'datafly.adminToken';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
  present: () => Boolean(sessionStorage.getItem(TOKEN_KEY)),
};

/** What the host answered instead of success: `{error: {code, message, fields?}}`. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `The host answered ${status}`);
    this.status = status;
    this.code = error?.code;
    this.fields = error?.fields ?? [];
  }
}

let onUnauthorized = () => {};
/** Called when the host refuses the token (it is forgotten first). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

export function unauthorized() {
  token.clear();
  onUnauthorized();
}

export const enc = encodeURIComponent;

/** One call to /v1/admin; answers the parsed body, throws an ApiError. */
export async function api(method, path, body, { signal } = {}) {
  let response;
  try {
    response = await fetch(`/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token.get()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, { code: 'host_unreachable', message: 'The host does not answer: is it still running?' });
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (response.status === 401) {
    unauthorized();
    throw new ApiError(401, data?.error);
  }
  if (!response.ok) throw new ApiError(response.status, data?.error);
  return data;
}

/** Manifests do not change while a host runs: one request per catalog key. */
const manifests = new Map();
export function manifestOf(key) {
  if (!manifests.has(key)) {
    const pending = api('GET', `/integration-catalog/${enc(key)}`);
    pending.catch(() => manifests.delete(key));
    manifests.set(key, pending);
  }
  return manifests.get(key);
}

import type { HeapSandbox } from '../../src/sandbox/server.js';

/** A plain HTTP client for the sandbox tests: what they send is what goes on the wire. */
export interface Answer {
  status: number;
  text: string;
  retryAfter: string | null;
  contentType: string | null;
}

export async function call(sandbox: HeapSandbox, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after'), contentType: response.headers.get('content-type') };
}

export const post = (sandbox: HeapSandbox, path: string, body: unknown, headers: Record<string, string> = {}) => call(sandbox, 'POST', path, body, headers);

/** `GET /__sandbox/<route>`, parsed. */
export async function inspect<T = any>(sandbox: HeapSandbox, route: string): Promise<T> {
  const answer = await call(sandbox, 'GET', `/__sandbox/${route}`);
  if (answer.status !== 200) throw new Error(`GET /__sandbox/${route} → ${answer.status} ${answer.text}`);
  return JSON.parse(answer.text) as T;
}

export const basic = (appId: string, apiKey: string) => ({ authorization: `Basic ${Buffer.from(`${appId}:${apiKey}`).toString('base64')}` });
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An access token from auth_token, as the privacy API wants it. */
export async function accessToken(sandbox: HeapSandbox, appId: string, apiKey: string): Promise<string> {
  const granted = await post(sandbox, '/api/public/v0/auth_token', '', basic(appId, apiKey));
  if (granted.status !== 200) throw new Error(`auth_token → ${granted.status} ${granted.text}`);
  return (JSON.parse(granted.text) as { access_token: string }).access_token;
}

/** The JSON text Heap's JSON answers carry, so tests compare exact bodies. */
export const error = (message: string) => JSON.stringify({ error: message });

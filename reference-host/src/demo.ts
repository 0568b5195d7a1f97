/**
 * `npm start -- --demo`: installs Heap against the sandbox through the Management API (as an operator
 * would) and sends a small, realistic session through ingestion (as a collector would).
 */
export interface DemoTarget {
  hostUrl: string;
  adminToken: string;
  pipelineKey: string;
  sandboxUrl: string;
  appId: string;
  apiKey: string;
}

async function call(url: string, token: string, method: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

export async function ensureHeapInstalled(target: DemoTarget): Promise<string> {
  const admin = `${target.hostUrl}/v1/admin`;
  const existing = (await call(`${admin}/integrations`, target.adminToken, 'GET')) as { data: { id: string; catalog_key: string; config: { endpoint?: string } }[] };
  const found = existing.data.find((i) => i.catalog_key === 'heap' && i.config.endpoint === target.sandboxUrl);
  if (found) return found.id;
  const installed = await call(`${admin}/integration-catalog/heap/install`, target.adminToken, 'POST', {
    name: 'Heap (sandbox)',
    variant: 'default',
    config: { app_id: target.appId, api_key: target.apiKey, endpoint: target.sandboxUrl },
    delivery_mode: 'server_side',
  });
  return (installed as { id: string }).id;
}

/** One visitor's session: browsing anonymously, signing in, buying, and the company they belong to. */
export function demoSession(now: number, visitor = `anon-${now.toString(36)}`): Record<string, unknown>[] {
  const at = (s: number) => new Date(now - (120 - s) * 1000).toISOString();
  const page = (path: string, title: string, s: number, referrer = '') => ({
    type: 'page',
    name: title,
    anonymousId: visitor,
    timestamp: at(s),
    context: {
      page: { url: `https://shop.example.com${path}`, path, title, referrer, search: '' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Demo',
      locale: 'en-US',
      consent: { analytics: true, marketing: false },
      campaign: { source: 'newsletter', medium: 'email' },
    },
  });
  const runner = { product_id: 'p-100', sku: 'RUN-42', name: 'Trail Runner', category: 'Shoes', brand: 'Acme', price: 89.9, currency: 'EUR' };
  return [
    page('/', 'Home', 0, 'https://www.google.com/'),
    page('/shoes', 'Shoes', 10, 'https://shop.example.com/'),
    { type: 'track', event: 'Product Viewed', anonymousId: visitor, timestamp: at(20), properties: runner },
    { type: 'track', event: 'Product Added', anonymousId: visitor, timestamp: at(35), properties: { ...runner, quantity: 1, cart_id: 'c-77' } },
    { type: 'identify', userId: 'user-123', anonymousId: visitor, timestamp: at(60), traits: { email: 'jane@example.com', name: 'Jane Doe', plan: 'premium', company: { name: 'Acme Inc' } } },
    {
      type: 'track',
      event: 'Order Completed',
      userId: 'user-123',
      anonymousId: visitor,
      timestamp: at(90),
      properties: { order_id: 'o-5001', revenue: 89.9, shipping: 4.9, currency: 'EUR', products: [{ ...runner, quantity: 1 }] },
    },
    { type: 'group', groupId: 'acme', userId: 'user-123', anonymousId: visitor, timestamp: at(100), traits: { name: 'Acme Inc', industry: 'Retail', employees: 120 } },
    { type: 'track', event: 'Newsletter Subscribed', userId: 'user-123', anonymousId: visitor, timestamp: at(110), properties: { list: 'weekly' } },
  ];
}

export async function sendDemoSession(target: DemoTarget): Promise<number> {
  const batch = demoSession(Date.now());
  const answer = (await call(`${target.hostUrl}/v1/batch`, target.pipelineKey, 'POST', { batch })) as { accepted: number };
  return answer.accepted;
}

import { seededRandom } from '../dist/sandbox/faults.js';

/**
 * Reproducible synthetic traffic (fixed seed): 50% page, 30% track with products, 15% identify,
 * 5% group, from about 0.3 to 4 KB each, over a pool of anonymous and known users.
 */
export function syntheticEvents(count: number, seed = 20261128, startMs = Date.parse('2026-02-25T14:30:00Z')): Record<string, unknown>[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const words = ['trail', 'runner', 'classic', 'pro', 'lite', 'max', 'urban', 'summit', 'aero', 'flex'];
  const text = (n: number) => Array.from({ length: n }, () => pick(words)).join(' ');
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const anonymousId = `anon-${Math.floor(random() * 5000)}`;
    const userId = random() < 0.4 ? `user-${Math.floor(random() * 2000)}` : undefined;
    const base = { anonymousId, userId, messageId: `bench-${seed}-${i}`, timestamp: new Date(startMs + i * 10).toISOString() };
    const context = {
      page: { url: `https://shop.example.com/p/${i % 500}?ref=${pick(words)}`, path: `/p/${i % 500}`, title: text(4), referrer: 'https://www.google.com/', search: `?ref=${pick(words)}` },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      locale: 'en-US',
      ip: '203.0.113.42',
      campaign: { source: pick(['newsletter', 'google', 'facebook']), medium: pick(['email', 'cpc', 'social']) },
      consent: { analytics: true, marketing: random() < 0.5 },
    };
    const r = random();
    if (r < 0.5) {
      events.push({ ...base, type: 'page', name: text(2), context, properties: { section: pick(words), ...(random() < 0.3 ? { notes: text(40 + Math.floor(random() * 300)) } : {}) } });
    } else if (r < 0.8) {
      const products = Array.from({ length: 1 + Math.floor(random() * 12) }, (_, k) => ({
        product_id: `p-${k}-${i % 97}`,
        sku: `SKU-${Math.floor(random() * 1e6)}`,
        name: text(3),
        category: pick(words),
        price: Math.round(random() * 20000) / 100,
        quantity: 1 + Math.floor(random() * 3),
      }));
      events.push({
        ...base,
        type: 'track',
        event: pick(['Order Completed', 'Product Viewed', 'Product Added', 'Checkout Started']),
        context,
        properties: { order_id: `o-${i}`, revenue: products.reduce((s, p) => s + p.price * p.quantity, 0), currency: 'USD', coupon: random() < 0.2 ? 'SPRING' : null, products },
      });
    } else if (r < 0.95) {
      events.push({
        ...base,
        type: 'identify',
        userId: userId ?? `user-${i % 2000}`,
        context,
        traits: { email: `user${i % 2000}@example.com`, name: text(2), plan: pick(['free', 'pro', 'enterprise']), address: { city: pick(['Berlin', 'Paris', 'Austin']), country: pick(['DE', 'FR', 'US']) }, newsletter: random() < 0.5 },
      });
    } else {
      events.push({ ...base, type: 'group', groupId: `acct-${i % 300}`, context, traits: { name: text(2), industry: pick(words), employees: Math.floor(random() * 5000), plan: pick(['pro', 'enterprise']) } });
    }
  }
  return events;
}

// Event templates for the blueprint tester: one of each type a host knows. The preview adds a
// messageId and a timestamp when an event has none.
export const TEMPLATES = [
  ['page', 'Page view (page)', {
    type: 'page',
    name: 'Pricing',
    anonymousId: 'anon-preview-1',
    properties: { plan: 'pro' },
    context: { page: { url: 'https://shop.example.com/pricing?ref=nav', path: '/pricing', title: 'Pricing', referrer: 'https://www.google.com/', search: '?ref=nav' } },
  }],
  ['track', 'Product Added (track)', {
    type: 'track',
    event: 'Product Added',
    userId: 'user-preview-1',
    properties: { product_id: 'p-100', sku: 'RUN-42', name: 'Trail Runner', price: '89.90', quantity: '1', currency: 'EUR' },
  }],
  ['identify', 'Sign-in (identify)', {
    type: 'identify',
    userId: 'user-preview-1',
    anonymousId: 'anon-preview-1',
    traits: { email: 'ada@example.com', plan: 'premium', company: 'Acme Inc' },
  }],
  ['group', 'Company (group)', {
    type: 'group',
    userId: 'user-preview-1',
    groupId: 'acme',
    traits: { name: 'Acme Inc', industry: 'Retail', employees: 120 },
  }],
];

/** How a received event reads in the picker: type, name, user. */
export function sampleLabel(event) {
  const what = event.type === 'track' ? event.event : event.type === 'page' ? event.name : null;
  const who = event.userId ?? event.anonymousId;
  return [event.type, what, who ? `user ${who}` : null, event.messageId].filter(Boolean).join(' · ');
}

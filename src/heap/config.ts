import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined || issue.input === null ? 'is required' : `must be ${what}`),
});

/**
 * The installation's config: what the install form asks for. Agrees field by field with
 * `catalog/heap.json`'s `config_fields` (checked by test/unit/manifest.test.ts).
 */
export const HeapConfigSchema = z.object({
  app_id: z
    .string(required('a string'))
    .trim()
    .min(1, 'is required')
    .regex(/^[0-9]+$/, 'must be the numeric App ID of a Heap environment')
    .meta({ title: 'App ID' }),
  api_key: z.string(required('a string')).trim().min(1, 'is required').meta({ title: 'API Key', writeOnly: true }),
  region: z.enum(['us', 'eu'], { message: 'must be us or eu' }).default('us').meta({ title: 'Data region' }),
  endpoint: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined || value === '') return;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute URL such as https://heap-proxy.example.com' });
        return;
      }
      if (url.protocol === 'https:') return;
      if (url.protocol === 'http:' && isLoopback(url.hostname)) return;
      ctx.addIssue({ code: 'custom', message: 'must use https (http is allowed only for loopback addresses)' });
    })
    .meta({ title: 'Endpoint override', format: 'uri' }),
  timeout_ms: z
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(1000, 'must be at least 1000')
    .max(120_000, 'must be at most 120000')
    .default(10_000)
    .meta({ title: 'Request timeout (ms)' }),
});

export type HeapConfig = z.infer<typeof HeapConfigSchema>;
export type HeapConfigInput = z.input<typeof HeapConfigSchema>;

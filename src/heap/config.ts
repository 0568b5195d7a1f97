import { z } from 'zod';
import { HEAP_HOSTS } from './constants.js';
import { configField } from './manifest.js';
import { oneOf } from './text.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined || issue.input === null ? 'is required' : `must be ${what}`),
});

type Region = keyof typeof HEAP_HOSTS;
const REGIONS = Object.keys(HEAP_HOSTS) as [Region, ...Region[]];

/** The form's words (labels, the App ID's pattern and its message) come from `catalog/heap.json`. */
const title = (key: string) => ({ title: configField(key).label });
const appIdField = configField('app_id');

/**
 * The installation's config: what the install form asks for. Labels and the App ID pattern are read
 * from the manifest's `config_fields`; types, choices and defaults are checked against it by
 * test/unit/manifest.test.ts.
 */
export const HeapConfigSchema = z.object({
  app_id: z
    .string(required('a string'))
    .trim()
    .min(1, 'is required')
    .regex(new RegExp(appIdField.pattern ?? '^.*$'), appIdField.pattern_message)
    .meta(title('app_id')),
  api_key: z.string(required('a string')).trim().min(1, 'is required').meta({ ...title('api_key'), writeOnly: true }),
  region: z.enum(REGIONS, { message: `must be ${oneOf(REGIONS)}` }).default('us').meta(title('region')),
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
    .meta({ ...title('endpoint'), format: 'uri' }),
  timeout_ms: z
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(1000, 'must be at least 1000')
    .max(120_000, 'must be at most 120000')
    .default(10_000)
    .meta(title('timeout_ms')),
});

export type HeapConfig = z.infer<typeof HeapConfigSchema>;
export type HeapConfigInput = z.input<typeof HeapConfigSchema>;

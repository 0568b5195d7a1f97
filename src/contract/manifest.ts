import { z } from 'zod';

export const CATEGORIES = ['advertising', 'analytics', 'attribution', 'cdp', 'cloud_storage', 'notifications', 'other'] as const;
export const CONFIG_FIELD_TYPES = ['string', 'secret', 'textarea', 'number', 'select', 'url', 'boolean'] as const;

export const ConfigFieldSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case'),
    label: z.string().min(1),
    type: z.enum(CONFIG_FIELD_TYPES),
    required: z.boolean(),
    placeholder: z.string().optional(),
    help_text: z.string().optional(),
    /** A regular expression the value must match (forms mirror it client-side). */
    pattern: z.string().optional(),
    pattern_message: z.string().optional(),
    options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    advanced: z.boolean().optional(),
  })
  .refine((f) => f.type !== 'select' || (f.options?.length ?? 0) > 0, { message: 'a select field needs options', path: ['options'] });
export type ConfigField = z.infer<typeof ConfigFieldSchema>;

export const VariantSchema = z.object({
  key: z.string().min(1),
  name: z.string().min(1),
  description: z.string(),
  default_config: z.record(z.string(), z.unknown()),
});

export const BatchingSchema = z.object({
  max_events: z.number().int().positive(),
  max_wait_ms: z.number().int().nonnegative(),
  max_bytes: z.number().int().positive(),
});

/**
 * One limit the vendor enforces. `scope: app` counts per vendor account, `user` per user, each
 * keyed by the adapter's `rateLimitKey`. `unit: events` takes one token per event; `requests` one per
 * key per batch (a batch goes out as one bulk request per call, carrying each user once).
 * `event_types` narrows the limit to some canonical event types (all when absent).
 */
export const RateLimitSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  scope: z.enum(['app', 'user']),
  unit: z.enum(['events', 'requests']),
  limit: z.number().int().positive(),
  window_ms: z.number().int().positive(),
  event_types: z.array(z.string()).optional(),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

/**
 * What a plugin can do beyond delivery; a host offers the matching actions only when declared. Each is
 * declared here and built by the plugin's matching method (`user_deletion`: `createUserDeletion`); a
 * host refuses at load a plugin whose declaration and methods disagree (see `capabilityMismatches`).
 */
export const CAPABILITIES = ['user_deletion'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const CatalogManifestSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_-]*$/),
    name: z.string().min(1),
    description: z.string().min(1),
    website: z.url(),
    category: z.enum(CATEGORIES),
    status: z.enum(['ga', 'beta', 'alpha']),
    delivery_modes: z.array(z.enum(['server_side', 'client_side'])).min(1),
    consent_categories: z.array(z.string()),
    config_fields: z.array(ConfigFieldSchema).min(1),
    variants: z.array(VariantSchema).min(1),
    batching: BatchingSchema,
    rate_limits: z.array(RateLimitSchema),
    capabilities: z.array(z.enum(CAPABILITIES)).default([]),
  })
  .superRefine((m, ctx) => {
    const keys = m.config_fields.map((f) => f.key);
    keys.forEach((k, i) => {
      if (keys.indexOf(k) !== i) ctx.addIssue({ code: 'custom', path: ['config_fields', i, 'key'], message: `duplicate config field ${k}` });
    });
    if (!m.variants.some((v) => v.key === 'default')) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: 'a manifest needs a variant with key "default"' });
    }
  });
export type CatalogManifest = z.infer<typeof CatalogManifestSchema>;

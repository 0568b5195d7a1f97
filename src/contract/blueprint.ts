import { z } from 'zod';
import { parseTemplate } from './mapping/template.js';

export const TRANSFORMS = ['to_string', 'to_number', 'lowercase', 'uppercase', 'trim', 'date_format', 'sha256'] as const;
export type Transform = (typeof TRANSFORMS)[number];
/** How `date_format` writes a date: ISO 8601, seconds or milliseconds since the epoch, or `YYYY-MM-DD`. */
export const DATE_FORMATS = ['iso', 'unix', 'unix_ms', 'date'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/**
 * One field of the vendor payload: read `source` (a dot path into the event, or `parameters.x`),
 * take the literal `value`, or fill a `template` (`Order {{properties.order_id}}`), then apply
 * `value_map`, `transform` and `format`. A `target` of `*` spreads an object's fields into the
 * payload instead of nesting it.
 */
export const MappingSchema = z
  .strictObject({
    source: z.string().min(1).optional(),
    value: z.unknown().optional(),
    template: z
      .string()
      .min(1)
      .superRefine((template, ctx) => {
        const parsed = parseTemplate(template);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
      })
      .optional(),
    target: z.string().min(1),
    transform: z.enum(TRANSFORMS).optional(),
    format: z.enum(DATE_FORMATS).optional(),
    value_map: z.record(z.string(), z.unknown()).optional(),
    default: z.unknown().optional(),
  })
  .refine((m) => [m.source, m.value, m.template].filter((v) => v !== undefined).length === 1, {
    message: 'a mapping needs exactly one of source, value or template',
    path: ['source'],
  })
  .refine((m) => m.transform !== 'date_format' || m.format !== undefined, {
    message: 'date_format needs a format (iso, unix, unix_ms or date)',
    path: ['format'],
  })
  .refine((m) => m.format === undefined || m.transform === 'date_format', {
    message: 'applies only to transform date_format',
    path: ['format'],
  });
export type Mapping = z.infer<typeof MappingSchema>;

export const EventRuleSchema = z.strictObject({
  /** The vendor's name for the event or call; absent keeps the original name. */
  vendor_event_name: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
  description: z.string().optional(),
  mappings: z.array(MappingSchema).default([]),
});
export type EventRule = z.infer<typeof EventRuleSchema>;

/** The host's "integration configuration", version 2. `options` holds vendor-specific settings. */
export const BlueprintSchema = z.strictObject({
  version: z.literal(2),
  integration: z.string().optional(),
  variant: z.string().optional(),
  description: z.string().optional(),
  delivery_mode: z.enum(['server_side', 'client_side']),
  parameters: z.record(z.string(), z.unknown()).default({}),
  options: z.record(z.string(), z.unknown()).default({}),
  global: z.strictObject({ mappings: z.array(MappingSchema).default([]) }).default({ mappings: [] }),
  defaults: z.strictObject({
    action: z.enum(['drop', 'passthrough']),
    mappings: z.array(MappingSchema).default([]),
  }),
  /** Keyed by event type (`page`, `identify`, `group`) or, for track events, by event name. */
  events: z.record(z.string(), EventRuleSchema).default({}),
});
export type Blueprint = z.infer<typeof BlueprintSchema>;
export type BlueprintInput = z.input<typeof BlueprintSchema>;

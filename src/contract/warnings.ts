import { z } from 'zod';

/**
 * The kinds of change a plugin makes to an event on its way, each with a stable code: what a host
 * counts (data-quality views, metrics) while the message stays the words a person reads.
 */
export const WARNING_CODES = {
  null_as_absent: 'an object of the event (properties, traits, context) was null and was read as absent',
  transform_failed: "a blueprint mapping's transform could not convert the value; the warning says what the target holds",
  spread_not_object: 'a mapping that spreads into the payload read a value that is not an object',
  template_missing: "a template's placeholders had no value and were left empty",
  dropped_property: 'a property was not sent: its name is empty, too long or reserved, or its value cannot be sent',
  truncated_value: "a text value was cut to the vendor's length limit",
  stringified_value: 'a value nested too deep was sent as a JSON string',
  emptied_item: 'an array item that cannot be sent kept its place as an empty value',
  time_rule: "the event's time did not come from a readable timestamp (originalTimestamp, corrected or not, or no time)",
  placeholder_id: 'a userId that stands for no user ("null", "0", …) was set aside and the event went as anonymous',
  traits_not_sent: "context.traits were not sent as the user's properties (the blueprint ignores them, or the user is anonymous)",
} as const;

export type WarningCode = keyof typeof WARNING_CODES;
export const WARNING_CODE_LIST = Object.keys(WARNING_CODES) as WarningCode[];

/** One change to an event: its kind, the person's words, and the property (or event field) it hit. */
export interface EventWarning {
  code: WarningCode;
  message: string;
  property?: string;
}

export const WarningKindSchema = z.object({
  code: z.enum(WARNING_CODE_LIST as [WarningCode, ...WarningCode[]]),
  /** The property (a flattened path such as `products.sku`) or event field (`userId`, `timestamp`) it hit. */
  property: z.string().optional(),
});
export type WarningKind = z.infer<typeof WarningKindSchema>;

export function warning(code: WarningCode, message: string, property?: string): EventWarning {
  return property === undefined ? { code, message } : { code, message, property };
}

/** A result's two warning fields from coded warnings: the messages, and their kinds in the same order (none when there is no warning). */
export function resultWarnings(list: readonly EventWarning[]): { warnings: string[]; warningKinds?: WarningKind[] } {
  if (list.length === 0) return { warnings: [] };
  return {
    warnings: list.map((w) => w.message),
    warningKinds: list.map((w) => (w.property === undefined ? { code: w.code } : { code: w.code, property: w.property })),
  };
}

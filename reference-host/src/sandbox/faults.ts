import { z } from 'zod';
import { zodProblem } from './problems.js';

const between = (min: number, max: number) => {
  const error = `must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error }).optional();
};
const text = z.string({ error: 'must be a string' }).optional();

/**
 * A fault the sandbox injects, told by `POST /__sandbox/faults`. It applies to requests whose path
 * starts with `path` and (when given) whose body holds an event named `event` or an item with that
 * `idempotency_key`; to the next `count` of them, to a `fraction` of them, or to all.
 */
export const faultSchema = z
  .strictObject(
    {
      path: text,
      event: text,
      idempotency_key: text,
      /** Any of these keys (Heap rejecting several particular events). */
      idempotency_keys: z.custom<string[]>((v) => Array.isArray(v) && v.every((k) => typeof k === 'string'), { error: 'must be an array of strings' }).optional(),
      count: between(1, 1e9),
      fraction: between(0, 1),
      /** Answer with this status (and body, and Retry-After seconds). */
      status: between(100, 599),
      body: text,
      retry_after: between(0, 86_400),
      /** Wait this long first (beyond a client's timeout, it becomes a timeout). */
      latency_ms: between(0, 600_000),
      /** Destroy the connection without answering. */
      drop: z.boolean({ error: 'must be true or false' }).optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'a fault must be a JSON object' : undefined) },
  )
  .refine((f) => f.status !== undefined || f.drop || f.latency_ms !== undefined, { error: 'a fault needs status, drop or latency_ms' });

export type FaultInput = z.infer<typeof faultSchema>;

/** A fault as the sandbox holds it: its id, and how often it fired. */
export type FaultRule = FaultInput & { id: number; fired: number };

/** Throws a RequestProblem naming the field, as the control route answers it. */
export function checkFault(input: unknown): FaultInput {
  const parsed = faultSchema.safeParse(input);
  if (!parsed.success) throw zodProblem(parsed.error);
  return parsed.data;
}

/** The faults in force, in the order they were added: the first that applies to a request fires. */
export class Faults {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  add(input: unknown): FaultRule {
    const rule: FaultRule = { ...checkFault(input), id: this.nextId++, fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules;
  }

  /** The fault that fires for this request, if any, counted as fired. */
  pick(path: string, body: unknown): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.path !== undefined && !path.startsWith(rule.path)) continue;
      if (!bodyMatches(rule, body)) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (rule.count === undefined && rule.fraction !== undefined && this.random() >= rule.fraction) continue;
      rule.fired++;
      return rule;
    }
    return undefined;
  }
}

/** Does the rule's body filter match? Looks at single and bulk forms alike. */
export function bodyMatches(rule: FaultInput, body: unknown): boolean {
  if (rule.event === undefined && rule.idempotency_key === undefined && rule.idempotency_keys === undefined) return true;
  const keys = rule.idempotency_keys ? new Set(rule.idempotency_keys) : undefined;
  if (!body || typeof body !== 'object') return false;
  const record = body as Record<string, unknown>;
  const items = Array.isArray(record.events) ? record.events : [record];
  return items.some((item) => {
    if (!item || typeof item !== 'object') return false;
    const i = item as Record<string, unknown>;
    return (
      (rule.event === undefined || i.event === rule.event) &&
      (rule.idempotency_key === undefined || i.idempotency_key === rule.idempotency_key) &&
      (keys === undefined || keys.has(i.idempotency_key as string))
    );
  });
}

/** A small seeded PRNG (mulberry32) so fractional faults repeat run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

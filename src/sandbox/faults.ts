/**
 * A fault the sandbox injects, told by `POST /__sandbox/faults`. It applies to requests whose path
 * starts with `path` and (when given) whose body holds an event named `event` or an item with that
 * `idempotency_key`; to the next `count` of them, to a `fraction` of them, or to all.
 */
export interface FaultRule {
  id: number;
  path?: string;
  event?: string;
  idempotency_key?: string;
  /** Any of these keys (Heap rejecting several particular events). */
  idempotency_keys?: string[];
  count?: number;
  fraction?: number;
  /** Answer with this status (and body, and Retry-After seconds). */
  status?: number;
  body?: string;
  retry_after?: number;
  /** Wait this long first (beyond a client's timeout, it becomes a timeout). */
  latency_ms?: number;
  /** Destroy the connection without answering. */
  drop?: boolean;
  /** How often it fired. */
  fired: number;
}

export type FaultInput = Omit<FaultRule, 'id' | 'fired'>;

export function checkFault(input: unknown): FaultInput {
  if (!input || typeof input !== 'object') throw new Error('a fault must be a JSON object');
  const f = input as Record<string, unknown>;
  const out: FaultInput = {};
  const num = (k: string, min: number, max: number) => {
    if (f[k] === undefined) return undefined;
    if (typeof f[k] !== 'number' || !Number.isFinite(f[k]) || (f[k] as number) < min || (f[k] as number) > max) throw new Error(`${k}: must be a number from ${min} to ${max}`);
    return f[k] as number;
  };
  const str = (k: string) => {
    if (f[k] === undefined) return undefined;
    if (typeof f[k] !== 'string') throw new Error(`${k}: must be a string`);
    return f[k] as string;
  };
  out.path = str('path');
  out.event = str('event');
  out.idempotency_key = str('idempotency_key');
  if (f.idempotency_keys !== undefined) {
    if (!Array.isArray(f.idempotency_keys) || f.idempotency_keys.some((k) => typeof k !== 'string')) throw new Error('idempotency_keys: must be an array of strings');
    out.idempotency_keys = f.idempotency_keys as string[];
  }
  out.body = str('body');
  out.count = num('count', 1, 1e9);
  out.fraction = num('fraction', 0, 1);
  out.status = num('status', 100, 599);
  out.retry_after = num('retry_after', 0, 86_400);
  out.latency_ms = num('latency_ms', 0, 600_000);
  if (f.drop !== undefined && typeof f.drop !== 'boolean') throw new Error('drop: must be true or false');
  out.drop = f.drop as boolean | undefined;
  if (out.status === undefined && !out.drop && out.latency_ms === undefined) throw new Error('a fault needs status, drop or latency_ms');
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as FaultInput;
}

/** Does the rule's body filter match? Looks at single and bulk forms alike. */
export function bodyMatches(rule: FaultRule, body: unknown): boolean {
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

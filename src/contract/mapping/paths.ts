/** A dot path split once (`context.page.url` → `['context', 'page', 'url']`), not once per event. */
export type Path = readonly string[];

/** What a path reads: the event, and the blueprint's `parameters` under `parameters.x`. */
export interface Scope {
  event: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

export function compilePath(source: string): Path {
  return source.split('.');
}

/** The path's problem as a sentence, or undefined: no empty segment (`a..b`, `.a`, `a.`). */
export function pathProblem(source: string): string | undefined {
  return source.split('.').some((segment) => segment.trim() === '') ? `"${source}" is not a dot path such as properties.order_id` : undefined;
}

/** An own property of an object, or undefined: a path never reaches a prototype (`constructor`, `__proto__`). */
export function ownValue(container: unknown, key: string): unknown {
  if (container === null || typeof container !== 'object') return undefined;
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

export function readPath(scope: Scope, path: Path): unknown {
  let current: unknown = path[0] === 'parameters' ? scope.parameters : ownValue(scope.event, path[0]);
  for (let i = 1; i < path.length && current !== undefined; i++) current = ownValue(current, path[i]);
  return current;
}

/**
 * The dot path of a null that stood where the path expected an object (`properties` in
 * `properties.price` when `properties` is null), or undefined. Read only after a miss, so cheap.
 */
export function nullOnPath(scope: Scope, path: Path): string | undefined {
  let current: unknown = path[0] === 'parameters' ? scope.parameters : ownValue(scope.event, path[0]);
  for (let i = 1; i < path.length; i++) {
    if (current === null) return path.slice(0, i).join('.');
    current = ownValue(current, path[i]);
    if (current === undefined) return undefined;
  }
  return undefined;
}

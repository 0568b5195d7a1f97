/**
 * The path to the first value nested deeper than `max` (objects and arrays count a level each), or
 * undefined. Iterative, so a hostile depth cannot overflow the stack that measures it (JSON.stringify
 * and zod would).
 */
export function deeperThan(root: object, max: number): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: root, depth: 1, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > max) return path;
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1, path: path && path.split('.').length >= 3 ? path : path ? `${path}.${key}` : key });
    }
  }
  return undefined;
}

/**
 * Sets an own property, even one named `__proto__` (which plain assignment would treat as the
 * prototype). Lets payloads be plain objects, which V8 keeps fast and serialises fast, instead of
 * prototype-less ones, which it keeps as slow dictionaries.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

import type { z } from 'zod';

/** A request the sandbox refuses; the message names the field first ("events[3].event: is required"). */
export class RequestProblem extends Error {}

export function problem(field: string, message: string): never {
  throw new RequestProblem(`${field}: ${message}`);
}

/** A zod failure as one RequestProblem about its first issue, in the same `field: message` form. */
export function zodProblem(error: z.ZodError): RequestProblem {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') return new RequestProblem(`${fieldOf([...issue.path, issue.keys[0]!])}: is not a known field`);
  return new RequestProblem(issue.path.length === 0 ? issue.message : `${fieldOf(issue.path)}: ${issue.message}`);
}

/** `["users", 2, "identity"]` → `users[2].identity`, as validate.ts names fields. */
function fieldOf(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

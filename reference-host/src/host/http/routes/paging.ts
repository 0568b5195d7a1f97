import { badRequest } from '../../errors.js';

/** The list envelope the host documents; `next` is the cursor of the following page, if any. */
export function listPage<T>(data: T[], next?: number | string) {
  return { data, next_cursor: next === undefined ? null : String(next), has_more: next !== undefined };
}

export function numericCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const n = Number(cursor);
  if (!Number.isInteger(n) || n < 0) throw badRequest('cursor: must be a cursor from a previous page', [{ field: 'cursor', message: 'is not a cursor from a previous page' }]);
  return n;
}

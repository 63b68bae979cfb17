import type { Scalar } from '../read-store/read-store.port';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface Page<T> {
  readonly items: T[];
  /** Pass it back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** A cursor that was not produced by this list (or for another sort order). */
export class InvalidCursorError extends RangeError {
  override readonly name = 'InvalidCursorError';
}

/**
 * Opaque keyset cursor: the sort value and key of the last item of a page, tagged with the list and
 * sort it belongs to, so that it cannot silently be reused with another order.
 */
export function encodeCursor(list: string, value: Scalar | null, key: string): string {
  return Buffer.from(JSON.stringify([list, value, key])).toString('base64url');
}

export function decodeCursor(list: string, cursor: string): { value: Scalar | null; key: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not a cursor returned by this list');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[2] !== 'string' ||
    !(parsed[1] === null || typeof parsed[1] === 'string' || typeof parsed[1] === 'number')
  ) {
    throw new InvalidCursorError('cursor is not a cursor returned by this list');
  }
  if (parsed[0] !== list)
    throw new InvalidCursorError(`cursor belongs to another list or sort order ("${String(parsed[0])}"), not "${list}"`);
  return { value: parsed[1], key: parsed[2] };
}

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return limit;
}

/** Splits a fetch of limit + 1 rows into a page and the cursor of its last item. */
export function toPage<D, T>(rows: D[], limit: number, cursorOf: (row: D) => string, view: (row: D) => T): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.map(view), nextCursor: more ? cursorOf(items[items.length - 1]) : null };
}

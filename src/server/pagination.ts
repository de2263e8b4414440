/**
 * Cursor pagination for list methods (spec: server/utilities/pagination). Cursors are opaque
 * to clients; here they encode the offset of the next page.
 */
import { invalidParams } from '../protocol/wire-errors.ts';

export interface Page<T> {
  items: readonly T[];
  nextCursor: string | undefined;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeCursor(cursor: unknown): number {
  if (typeof cursor !== 'string') throw invalidParams('Invalid cursor: must be a string');
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const offset = text.startsWith('o:') ? Number(text.slice(2)) : NaN;
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidParams('Invalid cursor');
  return offset;
}

/** One page of `items` starting at `cursor` (absent: the first page). */
export function paginate<T>(items: readonly T[], cursor: unknown, pageSize: number): Page<T> {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor);
  if (offset > items.length) throw invalidParams('Invalid cursor: past the end of the list');
  if (offset === 0 && items.length <= pageSize) return { items, nextCursor: undefined };
  const end = Math.min(items.length, offset + pageSize);
  return { items: items.slice(offset, end), nextCursor: end < items.length ? encodeCursor(end) : undefined };
}

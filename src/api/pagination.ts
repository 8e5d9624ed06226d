/** Keyset pagination: `limit` and an opaque `cursor` that encodes where the last page ended. */
import { invalid } from '../domain/errors.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export function pageLimit(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) throw invalid('limit', `${limit} is not allowed: use 1-${MAX_LIMIT}`);
  return value;
}

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor and checks its shape with `accept`; anything else is a 400 naming `cursor`. */
export function decodeCursor<T>(cursor: string | undefined, accept: (value: unknown) => value is T): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (accept(value)) return value;
  } catch {
    // Falls through to the error below.
  }
  throw invalid('cursor', 'is not a cursor this API returned; pass the nextCursor of the previous page, or none for the first page');
}

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
export const isPair = (value: unknown): value is [string, string] => Array.isArray(value) && value.length === 2 && value.every(isString);

/**
 * Runs `fetch` for one more row than asked, to know whether another page follows, and returns the
 * page with the cursor of its last row.
 */
export async function paginate<T>(limit: number, fetch: (rows: number) => Promise<T[]>, positionOf: (item: T) => unknown): Promise<{ items: T[]; nextCursor: string | null }> {
  const rows = await fetch(limit + 1);
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(positionOf(items[items.length - 1]!)) : null };
}

/**
 * `limit` + `cursor` pagination for list and audit (spec section 2, Pagination). The cursor is
 * opaque to clients; here it is the base64url of the position after the last item returned.
 */
import { HttpError } from './problem.js';

export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 1000;

export function paginate<T>(items: T[], query: URLSearchParams): { page: T[]; next_cursor: string | null } {
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? DEFAULT_PAGE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1) throw new HttpError(400, 'invalid_request', `limit must be an integer from 1 to ${MAX_PAGE}`);
  const size = Math.min(limit, MAX_PAGE);
  const cursor = query.get('cursor');
  let start = 0;
  if (cursor !== null) {
    start = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw new HttpError(400, 'invalid_request', 'cursor is not one this issuer gave out');
  }
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return { page, next_cursor: end < items.length ? Buffer.from(String(end)).toString('base64url') : null };
}

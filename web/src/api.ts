/**
 * The UI's only way to the API: every call carries the session's bearer token (kept in
 * sessionStorage, never in a URL); a 401 ends the session, so the app goes back to the login page.
 */
import type { Role } from './types.ts';

const TOKEN_KEY = 'hostwire.token';

export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const storeToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token);

const sessionEnded = new EventTarget();
export function endSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionEnded.dispatchEvent(new Event('ended'));
}
export function onSessionEnded(listener: () => void): () => void {
  sessionEnded.addEventListener('ended', listener);
  return () => sessionEnded.removeEventListener('ended', listener);
}

/** A refusal from the API: its status and the problem's detail, which says what to do. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${storedToken() ?? ''}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  if (response.status === 401) endSession();
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
    } catch {
      // Not a problem document (a proxy's page): the status line says enough.
    }
    throw new ApiError(response.status, detail);
  }
  return JSON.parse(text) as T;
}

/** A query string from the set values of `params`. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every item of a paginated list, a page of 1,000 at a time. */
export async function fetchAll<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api<Page<T>>(`${path}${query({ ...params, limit: 1000, cursor })}`);
    items.push(...page.items);
    cursor = page.nextCursor ?? null;
  } while (cursor !== null);
  return items;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const mayAct = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

export const enc = encodeURIComponent;

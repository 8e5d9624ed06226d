/** Loading API data into components: one resource, or a list a page at a time (limit + cursor). */
import { useCallback, useEffect, useState } from 'react';
import { api, query, type Page } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/** GET `path` (none while it is null); `reload` fetches it again. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setError(undefined);
    api<T>(path).then(
      (value) => current && setData(value),
      (failure: Error) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [path, generation]);
  return { data, error, reload: useCallback(() => setGeneration((value) => value + 1), []) };
}

export interface Paged<T> {
  items: T[];
  error: string | undefined;
  loading: boolean;
  /** Whether the API has another page. */
  more: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** The first page of a list, and each next page on demand, following the API's nextCursor. */
export function usePaged<T>(path: string, params: Record<string, string | undefined>, limit = 50): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const key = `${path}${query(params)}`;

  const load = useCallback(
    (after: string | null, replace: boolean, isCurrent: () => boolean = () => true) => {
      setLoading(true);
      setError(undefined);
      api<Page<T>>(`${path}${query({ ...params, limit, cursor: after })}`).then(
        (page) => {
          if (!isCurrent()) return;
          setItems((previous) => (replace ? page.items : [...previous, ...page.items]));
          setCursor(page.nextCursor);
          setLoading(false);
        },
        (failure: Error) => {
          if (!isCurrent()) return;
          setError(failure.message);
          setLoading(false);
        },
      );
    },
    // The key stands for path and params, whose object identity changes at every render.
    [key, limit],
  );

  useEffect(() => {
    let current = true;
    load(null, true, () => current);
    return () => {
      current = false;
    };
  }, [load, generation]);

  return {
    items,
    error,
    loading,
    more: cursor !== null,
    loadMore: () => load(cursor, false),
    reload: useCallback(() => setGeneration((value) => value + 1), []),
  };
}

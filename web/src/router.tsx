/** Client-side navigation over the History API: real links (they open in a new tab too), no reloads. */
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const moved = new EventTarget();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  moved.dispatchEvent(new Event('moved'));
}

export interface Location {
  path: string;
  params: URLSearchParams;
}

const current = (): Location => ({ path: location.pathname, params: new URLSearchParams(location.search) });

export function useLocation(): Location {
  const [where, setWhere] = useState(current);
  useEffect(() => {
    const update = () => setWhere(current());
    window.addEventListener('popstate', update);
    moved.addEventListener('moved', update);
    return () => {
      window.removeEventListener('popstate', update);
      moved.removeEventListener('moved', update);
    };
  }, []);
  return where;
}

/** Replaces the query string of the current page (filters), keeping its path. */
export function setParams(params: Record<string, string>): void {
  const search = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== ''));
  const text = search.toString();
  navigate(`${location.pathname}${text ? `?${text}` : ''}`, { replace: true });
}

export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    // Modified clicks keep the browser's meaning (new tab, new window, download).
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...rest} />;
}

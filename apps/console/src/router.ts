import { useEffect, useRef, useState } from 'preact/hooks';

/** Client-side routes under /console (the API answers index.html for any of them). */
const listeners = new Set<() => void>();

/** How the person reached the page shown: a link or a filter (`push`), or Back / Forward (`pop`). */
let arrival: 'push' | 'pop' = 'push';

export function navigate(href: string, replace = false): void {
  // The page being left keeps how far down it was, for Back to return there (useScrollRestore).
  if (!replace) history.replaceState({ ...(history.state ?? {}), scrollY: window.scrollY }, '');
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  arrival = 'push';
  // A new entry (a page, a list's next page, new filters) starts at its top.
  if (!replace) window.scrollTo(0, 0);
  listeners.forEach((l) => l());
}

window.addEventListener('popstate', () => {
  arrival = 'pop';
  listeners.forEach((l) => l());
});
// The console puts the position back itself, once a list has its rows (useScrollRestore).
history.scrollRestoration = 'manual';
// Leaving the console (a reload, another site) keeps the position too.
window.addEventListener('pagehide', () => history.replaceState({ ...(history.state ?? {}), scrollY: window.scrollY }, ''));

/**
 * A list reached by Back or Forward returns to where the person had scrolled it, once its rows
 * are there (`ready`): the browser's own restoration runs before they are, on a page too short.
 * Reached by a link, a page starts at its top (its heading takes the focus).
 */
export function useScrollRestore(ready: boolean): void {
  const done = useRef<string | null>(null);
  useEffect(() => {
    const here = location.pathname + location.search;
    if (!ready || done.current === here) return;
    done.current = here;
    const y = (history.state as { scrollY?: number } | null)?.scrollY;
    if (typeof y === 'number' && y > 0 && (arrival === 'pop' || performance.getEntriesByType('navigation').some((e) => (e as PerformanceNavigationTiming).type === 'reload'))) {
      window.scrollTo(0, y);
    }
  });
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const read = () => ({ path: location.pathname.replace(/^\/console/, '').replace(/\/+$/, '') || '/', search: new URLSearchParams(location.search) });
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const update = () => setWhere(read());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return where;
}

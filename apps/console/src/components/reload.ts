import { useEffect } from 'preact/hooks';
import { isUnreachable } from '../api';

interface Loaded {
  data: unknown;
  error: Error | null;
  reload: () => void;
}

/** How long a page waits before asking an unreachable API again. */
export const RETRY_UNREACHABLE_MS = 3000;

/**
 * While the API cannot be reached, every load of the page that failed for it is asked again every
 * few seconds, so the page comes back by itself when the API does (the form's types as well as
 * the list), not only after a browser reload.
 */
export function useRetryWhileUnreachable(loads: Loaded[], ms = RETRY_UNREACHABLE_MS): void {
  const down = loads.filter((l) => isUnreachable(l.error));
  useEffect(() => {
    if (!down.length) return undefined;
    const timer = setTimeout(() => down.forEach((l) => l.reload()), ms);
    return () => clearTimeout(timer);
  }, loads.map((l) => l.error));
}

/**
 * The list's Refresh, which also loads again what the rest of the page needs and does not have
 * (a form's types that failed to load while the API was down).
 */
export function refreshingToo<L extends Loaded>(list: L, ...others: Loaded[]): L {
  return {
    ...list,
    reload: () => {
      list.reload();
      others.forEach((o) => (o.error || !o.data) && o.reload());
    },
  };
}

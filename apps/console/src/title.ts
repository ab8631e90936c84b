import { useEffect } from 'preact/hooks';
import { titleOf } from './route-title';

export { routeTitle, titleOf } from './route-title';

/**
 * Sets the tab's title while the page is shown. main.tsx names every route first (routeTitle);
 * a page that knows more (a job's name) says it once loaded.
 */
export function useTitle(name: string | null | undefined): void {
  useEffect(() => {
    if (name) document.title = titleOf(name);
  }, [name]);
}

import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { claimsOf, session } from './api';
import { ErrorBoundary, Link } from './components/ui';
import { navigate, useLocation } from './router';
import { SignInPage } from './pages/sign-in';
import { JobsPage } from './pages/jobs';
import { JobPage } from './pages/job';
import { ExportPage, ExportsPage } from './pages/exports';
import { ImportsPage } from './pages/imports';
import { ImportPage } from './pages/import';
import { SchedulesPage } from './pages/schedules';
import { SchedulePage } from './pages/schedule';
import { WebhooksPage } from './pages/webhooks';
import { WebhookPage } from './pages/webhook';
import { hasEndpoint } from './features';
import { SessionBanner } from './components/session-banner';
import { routeTitle, titleOf } from './title';
import './styles.css';

const NAV = [
  { href: '/console/', label: 'Jobs', match: (p: string) => p === '/' || p.startsWith('/jobs') },
  { href: '/console/exports', label: 'Exports', match: (p: string) => p.startsWith('/exports') },
  { href: '/console/imports', label: 'Imports', match: (p: string) => p.startsWith('/imports') },
  // Offered where the server declares them (features.ts).
  { href: '/console/schedules', label: 'Schedules', match: (p: string) => p.startsWith('/schedules'), endpoint: '/api/v1/export-schedules' },
  { href: '/console/webhooks', label: 'Webhooks', match: (p: string) => p.startsWith('/webhooks'), endpoint: '/api/v1/webhooks' },
];

function Routes({ path }: { path: string }) {
  let m: RegExpExecArray | null;
  if (path === '/' || path === '/jobs') return <JobsPage />;
  if ((m = /^\/jobs\/([^/]+)$/.exec(path))) return <JobPage id={decodeURIComponent(m[1])} />;
  if (path === '/exports') return <ExportsPage />;
  if ((m = /^\/exports\/([^/]+)$/.exec(path))) return <ExportPage id={decodeURIComponent(m[1])} />;
  if (path === '/imports') return <ImportsPage />;
  if ((m = /^\/imports\/([^/]+)$/.exec(path))) return <ImportPage id={decodeURIComponent(m[1])} />;
  if (path === '/schedules') return <SchedulesPage />;
  if ((m = /^\/schedules\/([^/]+)$/.exec(path))) return <SchedulePage id={decodeURIComponent(m[1])} />;
  if (path === '/webhooks') return <WebhooksPage />;
  if ((m = /^\/webhooks\/([^/]+)$/.exec(path))) return <WebhookPage id={decodeURIComponent(m[1])} />;
  return (
    <div class="panel">
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        No console page at <code>{location.pathname}</code>. <Link href="/console/">Go to the jobs</Link>.
      </p>
    </div>
  );
}

/** Whose pages are shown: signing in again as someone else shows the pages afresh. */
const identityOf = (token: string | null) => {
  const claims = claimsOf(token);
  return `${claims.sub ?? ''}@${claims.tenant ?? ''}`;
};

function App() {
  const { path } = useLocation();
  const [token, setToken] = useState(session.token());
  // Signed out without asking (the API refused the token: it expired; or "Sign in again"): the
  // page stays mounted, hidden under the sign-in form, and comes back as it was, what was typed
  // in it included. "Sign out" leaves it.
  const [held, setHeld] = useState(false);
  const [owner, setOwner] = useState(() => identityOf(token));
  const leaving = useRef(false);
  const main = useRef<HTMLElement>(null);
  const [nav, setNav] = useState(NAV.filter((item) => !item.endpoint));
  useEffect(() => {
    if (!token) return;
    void Promise.all(NAV.map((item) => (item.endpoint ? hasEndpoint(item.endpoint) : true))).then((has) => setNav(NAV.filter((_, i) => has[i])));
  }, [token]);
  useEffect(
    () =>
      session.onSignOut(() => {
        setHeld(!leaving.current);
        leaving.current = false;
        setToken(null);
      }),
    [],
  );
  // Each route names the tab ("Jobs — Porter"); a page that knows more says it after (title.ts).
  useLayoutEffect(() => {
    document.title = titleOf(routeTitle(path, Boolean(token)));
  }, [path, token]);
  // A new page moves the focus to its heading, so keyboard and screen reader users start there.
  useEffect(() => {
    const heading = main.current?.querySelector<HTMLElement>('h1');
    heading?.focus();
  }, [path, token]);
  // When the element that had the focus goes (a page's "Loading" heading replaced by the loaded
  // one, a "Cancel job" button gone with the status it was for), the focus would fall to the
  // body: it goes to the page's heading instead.
  useEffect(() => {
    const root = main.current;
    if (!root) return undefined;
    let last: Element | null = null;
    const onFocusIn = (e: FocusEvent) => void (last = e.target as Element);
    const observer = new MutationObserver(() => {
      const active = document.activeElement;
      if (!last || last.isConnected || (active && active !== document.body)) return;
      const heading = root.querySelector<HTMLElement>('h1');
      if (heading && root.contains(heading)) heading.focus();
      last = heading;
    });
    document.addEventListener('focusin', onFocusIn);
    observer.observe(root, { childList: true, subtree: true });
    return () => {
      document.removeEventListener('focusin', onFocusIn);
      observer.disconnect();
    };
  }, []);

  const signedIn = (t: string) => {
    session.signIn(t);
    const who = identityOf(t);
    if (who !== owner) setOwner(who);
    setHeld(false);
    setToken(t);
  };
  const claims = claimsOf(token);
  return (
    <>
      {token && (
        <a class="skip" href="#main">
          Skip to content
        </a>
      )}
      {token && (
        <header class="top">
          <span class="brand">Porter</span>
          <nav aria-label="Sections">
            {nav.map((item) => (
              <Link key={item.href} href={item.href} aria-current={item.match(path) ? 'page' : undefined}>
                {item.label}
              </Link>
            ))}
          </nav>
          <span class="who">
            {claims.sub ?? 'signed in'}
            {claims.tenant ? ` @ ${claims.tenant}` : ''}
            {claims.roles?.includes('admin') ? ' (admin)' : ''}
          </span>
          <button
            type="button"
            class="link"
            onClick={() => {
              leaving.current = true;
              session.signOut();
              navigate('/console/');
            }}
          >
            Sign out
          </button>
        </header>
      )}
      <main id="main" ref={main} tabIndex={-1}>
        {!token && <SignInPage onSignedIn={signedIn} keeping={held} />}
        {token && <SessionBanner exp={claims.exp} onSignInAgain={() => session.signOut('Sign in again to keep working.')} />}
        {(token || held) && (
          <div key={owner} hidden={!token}>
            <ErrorBoundary key={path}>
              <Routes path={path} />
            </ErrorBoundary>
          </div>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

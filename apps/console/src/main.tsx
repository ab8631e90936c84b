import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { claimsOf, session } from './api';
import { ErrorBoundary, Link } from './components/ui';
import { navigate, useLocation } from './router';
import { SignInPage } from './pages/sign-in';
import { JobsPage } from './pages/jobs';
import { JobPage } from './pages/job';
import { ExportsPage } from './pages/exports';
import { ImportsPage } from './pages/imports';
import { ImportPage } from './pages/import';
import { SchedulesPage } from './pages/schedules';
import { SchedulePage } from './pages/schedule';
import { WebhooksPage } from './pages/webhooks';
import { WebhookPage } from './pages/webhook';
import { hasEndpoint } from './features';
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

function App() {
  const { path } = useLocation();
  const [token, setToken] = useState(session.token());
  const main = useRef<HTMLElement>(null);
  const [nav, setNav] = useState(NAV.filter((item) => !item.endpoint));
  useEffect(() => {
    if (!token) return;
    void Promise.all(NAV.map((item) => (item.endpoint ? hasEndpoint(item.endpoint) : true))).then((has) => setNav(NAV.filter((_, i) => has[i])));
  }, [token]);
  useEffect(() => session.onSignOut(() => setToken(null)), []);
  // A new page moves the focus to its heading, so keyboard and screen reader users start there.
  useEffect(() => {
    const heading = main.current?.querySelector<HTMLElement>('h1');
    heading?.focus();
  }, [path, token]);

  if (!token) {
    return (
      <main id="main" ref={main}>
        <SignInPage
          onSignedIn={(t) => {
            session.signIn(t);
            setToken(t);
          }}
        />
      </main>
    );
  }
  const claims = claimsOf(token);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
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
            session.signOut();
            navigate('/console/');
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <ErrorBoundary key={path}>
          <Routes path={path} />
        </ErrorBoundary>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

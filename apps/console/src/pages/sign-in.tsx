import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, checkToken, get, session } from '../api';
import { clearsError, ProblemBox, useAction } from '../components/ui';

/**
 * Paste a bearer token (from `porter token` or your identity provider); it is checked against
 * the API before it is kept. When the API runs with NODE_ENV=development it also offers to mint one.
 */
export function SignInPage({ onSignedIn, keeping = false }: { onSignedIn: (token: string) => void; keeping?: boolean }) {
  const [token, setToken] = useState('');
  const [devAvailable, setDevAvailable] = useState(false);
  const [user, setUser] = useState('alice');
  const [tenant, setTenant] = useState('demo');
  const [admin, setAdmin] = useState(true);
  const { busy, error, run, setError } = useAction();
  // Which form the error belongs to: it shows in that form, under its button, not after both.
  const [from, setFrom] = useState<'token' | 'dev'>('token');
  const [ended] = useState(() => session.takeSignOutReason());

  useEffect(() => {
    get<{ available: boolean }>('/api/dev/sign-in')
      .then((r) => setDevAvailable(r.available === true))
      .catch(() => setDevAvailable(false));
  }, []);

  // The token is kept only once the API has accepted it: a refused one ends no session (a page
  // kept from a session that ended stays kept; none is shown for a first sign-in) and no page
  // asks for its data with it. The refusal shows in the form that sent it.
  const check = (candidate: string) =>
    run(async () => {
      await checkToken(candidate);
      onSignedIn(candidate);
    });

  return (
    <div class="signin">
      <h1 tabIndex={-1}>Sign in to Porter</h1>
      {ended && !error && (
        <p class="problem" role="status">
          {ended}
        </p>
      )}
      {keeping && <p class="hint">The page you were on is kept as you left it, with what you typed: it comes back once you are signed in.</p>}
      <form
        class="panel"
        {...clearsError(setError)}
        onSubmit={(e) => {
          e.preventDefault();
          if (!token.trim()) return;
          setFrom('token');
          void check(token.trim());
        }}
      >
        <label for="token">Bearer token</label>
        <textarea id="token" name="token" rows={4} required value={token} onInput={(e) => setToken(e.currentTarget.value)} placeholder="eyJhbGciOi…" />
        <p class="hint">
          Get one with <code>npx porter token --user alice --tenant demo --admin</code>. It is kept for this tab only (sessionStorage).
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {from === 'token' && <ProblemBox error={error as ApiError | null} />}
      </form>
      {devAvailable && (
        <form
          class="panel"
          aria-labelledby="dev-heading"
          {...clearsError(setError)}
          onSubmit={(e) => {
            e.preventDefault();
            setFrom('dev');
            void run(async () => {
              const { token: minted } = await api<{ token: string }>('POST', '/api/dev/sign-in', { user, tenant, admin });
              await check(minted);
            });
          }}
        >
          <h2 id="dev-heading">Development sign-in</h2>
          <p class="hint">Offered because this API runs with NODE_ENV=development.</p>
          <div class="row">
            <label>
              User <input name="user" required value={user} onInput={(e) => setUser(e.currentTarget.value)} />
            </label>
            <label>
              Tenant <input name="tenant" required value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} />
            </label>
            <label class="check">
              <input type="checkbox" name="admin" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} /> Admin
            </label>
          </div>
          <button type="submit" disabled={busy}>
            Sign in for development
          </button>
          {from === 'dev' && <ProblemBox error={error as ApiError | null} />}
        </form>
      )}
    </div>
  );
}

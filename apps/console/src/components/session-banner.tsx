import { useEffect, useState } from 'preact/hooks';
import { nextCheckMs, sessionWarning } from '../session-expiry';

/**
 * A few minutes before the token's `exp`, a line across the page says when the session ends and
 * offers to sign in again now: the page stays as it is under the sign-in form (main.tsx) and
 * comes back, with what was typed in it, once signed in.
 */
export function SessionBanner({ exp, onSignInAgain }: { exp: number | undefined; onSignInAgain: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!exp) return undefined;
    const timer = setTimeout(() => setNow(Date.now()), nextCheckMs(exp, Date.now()));
    return () => clearTimeout(timer);
  }, [exp, now]);
  const warning = sessionWarning(exp, now);
  if (!warning) return null;
  return (
    <div class="session-banner" role="status">
      <span>{warning}</span>{' '}
      <button type="button" onClick={onSignInAgain}>
        Sign in again
      </button>
    </div>
  );
}

/** The login page: a token from `hostwire token create` (or printed by `hostwire serve` on first start). */
import { useState, type FormEvent } from 'react';
import { api, ApiError, endSession, storeToken } from '../api.ts';
import { ErrorNote, Field } from '../components.tsx';
import type { Session } from '../types.ts';

export function Login({ onLogin }: { onLogin: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    storeToken(token.trim());
    try {
      onLogin(await api<Session>('/api/v1/session'));
    } catch (failure) {
      endSession();
      setError(failure instanceof ApiError && failure.status === 401 ? 'This token is unknown or revoked. Create one with: hostwire token create --role viewer' : (failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">hostwire</h1>
        <p className="muted">Sign in with an API token. It is kept in this tab only, until you close it or sign out.</p>
        <Field label="API token">
          <input type="password" name="token" autoComplete="off" autoFocus required value={token} onChange={(event) => setToken(event.target.value)} placeholder="hw_…" />
        </Field>
        <ErrorNote error={error} />
        <button type="submit" className="primary" disabled={busy || !token.trim()}>
          Sign in
        </button>
        <p className="muted small">
          No token? On the server: <code>hostwire token create --role operator</code>
        </p>
      </form>
    </main>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Me, type OrchestratorClient } from '../../src/client/index.js';
import { DeploymentPage } from './deployment-page.js';
import { DeploymentList } from './deployment-list.js';
import { clientFor, forgetToken, savedToken, saveToken } from './session.js';

/** `#/` the list, `#/deployments/<id>` one deployment: hash routes, so /ui serves one static page. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

export function App() {
  const [token, setToken] = useState<string | null>(savedToken());
  const [me, setMe] = useState<Me | null>(null);
  const [authError, setAuthError] = useState<string | null>(null);
  const [checking, setChecking] = useState(true);
  const route = useRoute();
  const client: OrchestratorClient = clientFor(token);

  useEffect(() => {
    setChecking(true);
    client.getMe().then(
      (m) => {
        setMe(m);
        setAuthError(null);
        setChecking(false);
      },
      (e: unknown) => {
        setMe(null);
        setAuthError(e instanceof ApiError && e.status === 401 ? (token ? 'That token was not accepted.' : null) : String((e as Error).message));
        setChecking(false);
      },
    );
  }, [token]);

  const signOut = () => {
    forgetToken();
    setToken(null);
  };

  return (
    <>
      <header class="top">
        <a href="#/" class="brand">IaC Orchestrator</a>
        {me && (
          <span class="who">
            Signed in as <strong>{me.name}</strong> ({me.role}){' '}
            {token && (
              <button type="button" class="link" onClick={signOut}>
                Sign out
              </button>
            )}
          </span>
        )}
      </header>
      <main id="main">
        {checking ? (
          <p role="status">Loading…</p>
        ) : !me ? (
          <TokenForm
            error={authError}
            onToken={(t) => {
              saveToken(t);
              setToken(t);
            }}
          />
        ) : route.startsWith('#/deployments/') ? (
          <DeploymentPage key={route} client={client} me={me} id={decodeURIComponent(route.slice('#/deployments/'.length))} />
        ) : (
          <DeploymentList client={client} />
        )}
      </main>
    </>
  );
}

function TokenForm({ error, onToken }: { error: string | null; onToken: (t: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="card token"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onToken(value.trim());
      }}
    >
      <h1>Sign in</h1>
      <p>Enter an API token of this service. It is kept for this browser tab only.</p>
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" required value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit">Sign in</button>
    </form>
  );
}

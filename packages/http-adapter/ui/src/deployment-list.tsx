import { useEffect, useState } from 'preact/hooks';
import type { DeploymentSummaryView, OrchestratorClient } from '../../src/client/index.js';
import { StatusBadge } from './parts.js';

const STATUSES = ['', 'pending', 'planning', 'awaiting_approval', 'applying', 'completed', 'failed', 'cancelled', 'planned', 'rolled_back'];
/** The list refreshes on this period: statuses change under the reader's eyes. */
const REFRESH_MS = 2000;

export function DeploymentList({ client }: { client: OrchestratorClient }) {
  const [environment, setEnvironment] = useState('');
  const [blueprintId, setBlueprintId] = useState('');
  const [status, setStatus] = useState('');
  const [items, setItems] = useState<DeploymentSummaryView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const load = () =>
      client
        .listDeployments({ environment: environment || undefined, blueprintId: blueprintId || undefined, status: (status || undefined) as never, limit: 50 })
        .then(
          (page) => {
            if (stopped) return;
            setItems(page.deployments);
            setError(null);
          },
          (e: Error) => !stopped && setError(e.message),
        );
    void load();
    const t = setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [environment, blueprintId, status]);

  return (
    <section aria-labelledby="list-title">
      <h1 id="list-title">Deployments</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <div>
          <label for="f-env">Environment</label>
          <input id="f-env" value={environment} onInput={(e) => setEnvironment((e.target as HTMLInputElement).value.trim())} />
        </div>
        <div>
          <label for="f-bp">Blueprint</label>
          <input id="f-bp" value={blueprintId} onInput={(e) => setBlueprintId((e.target as HTMLInputElement).value.trim())} />
        </div>
        <div>
          <label for="f-status">Status</label>
          <select id="f-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s ? s.replace('_', ' ') : 'any'}
              </option>
            ))}
          </select>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items === null ? (
        <p role="status">Loading…</p>
      ) : items.length === 0 ? (
        <p>No deployments match.</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Status</th>
              <th scope="col">Environment</th>
              <th scope="col">Blueprint</th>
              <th scope="col">Operation</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-deployment={d.id}>
                <td>
                  <a href={`#/deployments/${encodeURIComponent(d.id)}`}>
                    <code>{d.id.slice(0, 8)}</code>
                  </a>
                </td>
                <td>
                  <StatusBadge status={d.status} />
                </td>
                <td>{d.environment}</td>
                <td>{d.blueprintId}</td>
                <td>{d.operation ?? 'apply'}</td>
                <td>
                  <time dateTime={d.createdAt}>{new Date(d.createdAt).toLocaleString()}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

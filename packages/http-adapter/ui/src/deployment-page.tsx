import { useEffect, useState } from 'preact/hooks';
import { formatElapsed, planTotals, type Me, type OrchestratorClient, type StateVersionView } from '../../src/client/index.js';
import { useLiveRun } from './live-run.js';
import { ConfirmDialog, OutputsTable, PlanDiffView, StatusBadge } from './parts.js';

const RANK = { viewer: 0, deployer: 1, approver: 2, admin: 3 } as const;
const RUNNING = new Set(['pending', 'planning', 'awaiting_approval', 'applying']);

/** The action waiting for its confirmation (a rollback names its version). */
interface Pending {
  kind: 'approve' | 'reject' | 'cancel' | 'rollback';
  version?: number;
}

export function DeploymentPage({ client, me, id }: { client: OrchestratorClient; me: Me; id: string }) {
  const { deployment: d, progress, error, reload } = useLiveRun(client, id);
  const [history, setHistory] = useState<StateVersionView[]>([]);
  const [pending, setPending] = useState<Pending | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const canDeploy = RANK[me.role] >= RANK.deployer;

  useEffect(() => {
    client.getStateHistory(id, { limit: 20 }).then((h) => setHistory(h.versions), () => setHistory([]));
  }, [id, d?.status]);

  if (!d) return error ? <p class="error" role="alert">{error}</p> : <p role="status">Loading…</p>;

  const counts = d.plan ? planTotals(d.plan) : 'no plan';
  const act = async () => {
    if (!pending) return;
    setBusy(true);
    setActionError(null);
    try {
      if (pending.kind === 'approve') await client.approveDeployment(id, comment ? { comment } : {});
      else if (pending.kind === 'reject') await client.rejectDeployment(id, comment ? { comment } : {});
      else if (pending.kind === 'cancel') await client.cancelDeployment(id);
      else {
        const r = await client.rollbackDeployment(id, { targetVersion: pending.version ?? 0, ...(comment ? { reason: comment } : {}) });
        setPending(null);
        location.hash = `#/deployments/${encodeURIComponent(r.rollbackDeploymentId)}`;
        return;
      }
      setNotice(pending.kind === 'approve' ? 'Plan approved.' : pending.kind === 'reject' ? 'Plan rejected.' : 'Cancel requested.');
      setPending(null);
      setComment('');
      await reload();
    } catch (e) {
      setActionError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const resources = [...progress.resources.values()];
  const finalResources = d.state.resources.filter((r) => !progress.resources.has(r.id));

  return (
    <article aria-labelledby="d-title">
      <p>
        <a href="#/">← All deployments</a>
      </p>
      <h1 id="d-title">
        Deployment <code>{d.id}</code>
      </h1>
      <p class="meta">
        <span role="status" aria-live="polite" data-testid="status">
          <StatusBadge status={d.status} />
        </span>{' '}
        <strong>{d.environment}</strong> · {d.blueprintId} · {d.format} → {d.targetCloud} · {d.operation ?? 'apply'}
        {d.requestedBy && <> · requested by {d.requestedBy}</>}
      </p>
      {d.error && (
        <p class="error" role="alert">
          {d.error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {actionError && (
        <p class="error" role="alert">
          {actionError}
        </p>
      )}

      {d.status === 'awaiting_approval' && (
        <section class="card approval" aria-labelledby="approval-title">
          <h2 id="approval-title">Waiting for approval</h2>
          <p>
            This plan for <strong>{d.environment}</strong> needs an approver: {counts}
          </p>
          {me.canApprove ? (
            <div class="actions">
              <button type="button" class="primary" onClick={() => setPending({ kind: 'approve' })}>
                Approve
              </button>
              <button type="button" class="danger" onClick={() => setPending({ kind: 'reject' })}>
                Reject
              </button>
            </div>
          ) : (
            <p>Your role ({me.role}) cannot approve; an approver must decide.</p>
          )}
        </section>
      )}

      <section aria-labelledby="plan-title">
        <h2 id="plan-title">Plan</h2>
        <PlanDiffView plan={d.plan} />
      </section>

      <section aria-labelledby="res-title">
        <h2 id="res-title">Resources</h2>
        {resources.length + finalResources.length === 0 ? (
          <p>No resource activity yet.</p>
        ) : (
          <ul class="resources" aria-live="polite">
            {resources.map((r) => (
              <li key={r.id} class={`r-${r.status}`} data-resource={r.id}>
                <span aria-hidden="true">{r.status === 'failed' ? '✗' : r.endedAt ? '✓' : '⟳'}</span> <code>{r.id}</code> <span class="rstatus">{r.status}</span>
                {r.endedAt !== null && <span class="elapsed"> {formatElapsed(r.endedAt - r.startedAt)}</span>}
              </li>
            ))}
            {finalResources.map((r) => (
              <li key={r.id} class={`r-${r.status}`} data-resource={r.id}>
                <span aria-hidden="true">{r.status === 'failed' ? '✗' : '✓'}</span> <code>{r.id}</code> <span class="rstatus">{r.status}</span>
              </li>
            ))}
          </ul>
        )}
        {canDeploy && RUNNING.has(d.status) && (
          <button type="button" onClick={() => setPending({ kind: 'cancel' })}>
            Cancel deployment
          </button>
        )}
      </section>

      <section aria-labelledby="out-title">
        <h2 id="out-title">Outputs</h2>
        <OutputsTable outputs={d.outputs} />
      </section>

      <section aria-labelledby="hist-title">
        <h2 id="hist-title">State history</h2>
        {history.length === 0 ? (
          <p>No state versions yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Reason</th>
                <th scope="col">Resources</th>
                <th scope="col">Written</th>
                <th scope="col">
                  <span class="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {history.map((v, i) => (
                <tr key={v.version}>
                  <td>v{v.version}</td>
                  <td>{v.reason}</td>
                  <td>{v.resources.length}</td>
                  <td>
                    <time dateTime={v.createdAt}>{new Date(v.createdAt).toLocaleString()}</time>
                  </td>
                  <td>
                    {canDeploy && i > 0 && v.retained && !RUNNING.has(d.status) && (
                      <button type="button" onClick={() => setPending({ kind: 'rollback', version: v.version })}>
                        Roll back to v{v.version}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="logs-title">
        <h2 id="logs-title">Logs</h2>
        <div role="log" aria-label="Deployment log" class="logs" tabIndex={0}>
          <ol>
            {progress.logs.map((l, i) => (
              <li key={i} class={`l-${l.level}`}>
                <time dateTime={l.timestamp}>{l.timestamp.slice(11, 19)}</time> {l.message}
              </li>
            ))}
          </ol>
        </div>
      </section>

      {pending && (
        <ConfirmDialog
          title={
            pending.kind === 'approve'
              ? `Approve and apply to ${d.environment}?`
              : pending.kind === 'reject'
                ? `Reject the plan for ${d.environment}?`
                : pending.kind === 'cancel'
                  ? `Cancel this deployment in ${d.environment}?`
                  : `Roll ${d.environment} back to version ${pending.version}?`
          }
          confirmLabel={pending.kind === 'approve' ? 'Approve and apply' : pending.kind === 'reject' ? 'Reject plan' : pending.kind === 'cancel' ? 'Cancel deployment' : `Roll back to v${pending.version}`}
          danger={pending.kind !== 'approve'}
          busy={busy}
          onConfirm={() => void act()}
          onCancel={() => setPending(null)}
        >
          {(pending.kind === 'approve' || pending.kind === 'reject') && (
            <p data-testid="confirm-summary">
              Environment <strong>{d.environment}</strong>: {counts}
            </p>
          )}
          {pending.kind === 'rollback' && <p>A rollback plans and applies the state of version {pending.version} to {d.environment}.</p>}
          {pending.kind !== 'cancel' && (
            <>
              <label for="comment">{pending.kind === 'rollback' ? 'Reason (optional)' : 'Comment (optional)'}</label>
              <textarea id="comment" rows={2} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
            </>
          )}
        </ConfirmDialog>
      )}
    </article>
  );
}

import { useEffect, useRef } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { displayOutputs, planDiff, planTotals, type DeploymentView } from '../../src/client/index.js';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge s-${status}`}>{status.replace('_', ' ')}</span>;
}

const ACTION_LABEL: Record<string, string> = { '+': 'create', '~': 'update', '-': 'delete', '-/+': 'replace' };

/** The plan as a diff: + create, ~ update, - delete, -/+ replace; attribute changes masked when secret. */
export function PlanDiffView({ plan }: { plan: DeploymentView['plan'] }) {
  if (!plan) return <p>No plan yet.</p>;
  const diff = planDiff(plan);
  return (
    <div class="plan">
      <ul class="diff" aria-label="Planned changes">
        {diff.lines.map((l) => (
          <li key={l.id} class={`d-${l.action}`}>
            <span class="sign" aria-label={ACTION_LABEL[l.sign]}>
              {l.sign}
            </span>{' '}
            <code>{l.id}</code>
            {l.attributes.length > 0 && (
              <ul>
                {l.attributes.map((a) => (
                  <li key={a.name}>
                    <code>{a.name}</code>: {a.before} → {a.after}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {!diff.hasChanges && <p>No changes.</p>}
      <p class="totals">{planTotals(diff)}</p>
    </div>
  );
}

export function OutputsTable({ outputs }: { outputs: Record<string, unknown> }) {
  const rows = displayOutputs(outputs);
  if (!rows.length) return <p>No outputs.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((o) => (
          <tr key={o.name}>
            <td>
              <code>{o.name}</code>
            </td>
            <td>{o.sensitive ? <span class="masked" title="sensitive value">{o.value} (sensitive)</span> : <code>{o.value}</code>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A modal confirmation (the native <dialog>: focus trapped, Escape closes it). */
export function ConfirmDialog(props: { title: string; children: ComponentChildren; confirmLabel: string; danger?: boolean; busy?: boolean; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      props.onCancel();
    };
    d?.addEventListener('cancel', onCancel);
    return () => d?.removeEventListener('cancel', onCancel);
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" class="confirm">
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
        <button type="button" disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

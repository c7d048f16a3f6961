import { createInterface } from 'node:readline/promises';
import { isTerminal, type DeploymentStatus } from '@iac-orchestrator/core';
import type { DeploymentView } from '../api-contract.js';
import { ApiError, type OrchestratorClient } from '../client/api-client.js';
import { planTotals } from '../client/plan-diff.js';
import { RunProgress } from '../client/run-progress.js';
import { EXIT, exitCodeOf } from './connection.js';
import type { RunRenderer } from './renderers.js';

export interface FollowOptions {
  renderer: RunRenderer;
  /** At `awaiting_approval`: stop with exit 3 instead of waiting for someone to decide. */
  noWait?: boolean;
  /** Asks the person at the terminal; null when there is none (then the run waits for an approver). */
  ask?: ((question: string) => Promise<boolean>) | null;
}

const PLAN_KNOWN = new Set<DeploymentStatus>(['awaiting_approval', 'applying', 'planned', 'completed']);

/**
 * Follows one deployment live over the log stream (SSE: log and status events, then end) until it ends,
 * reconnecting from the last cursor if the connection drops. Shows the plan once it exists; at the
 * approval gate asks the terminal (or stops with exit 3 under `--no-wait`). Returns the exit code.
 */
export async function followRun(client: OrchestratorClient, id: string, opts: FollowOptions): Promise<number> {
  const { renderer } = opts;
  const progress = new RunProgress();
  const started = Date.now();
  let lastStatus: DeploymentStatus | null = null;
  let planShown = false;
  let asked = false;

  for (let attempt = 0; ; attempt++) {
    let ended = false;
    try {
      for await (const e of client.streamLogs(id, { cursor: progress.cursor })) {
        const changed = progress.apply(e);
        if (e.type === 'log') {
          renderer.log(e.entry);
          if (changed) renderer.resource(changed);
        } else if (e.type === 'status' && e.status !== lastStatus) {
          lastStatus = e.status;
          if (!isTerminal(e.status)) renderer.status(e.status);
          if (!planShown && PLAN_KNOWN.has(e.status)) {
            const d = await client.getDeployment(id);
            if (d.plan) {
              renderer.plan(d);
              planShown = true;
            }
            if (e.status === 'awaiting_approval' && d.status === 'awaiting_approval' && !asked) {
              asked = true;
              const code = await atApprovalGate(client, d, opts);
              if (code !== null) return code;
            }
          }
        } else if (e.type === 'end') {
          ended = true;
          break;
        }
      }
    } catch (err) {
      // A refusal of the service is final; a dropped connection is retried from the cursor.
      if (err instanceof ApiError || attempt >= 20) throw err;
    }
    if (ended) break;
    const d = await client.getDeployment(id);
    if (isTerminal(d.status)) break;
    await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
  }
  const final = await client.getDeployment(id);
  renderer.end(final, Date.now() - started);
  return exitCodeOf(final.status);
}

/** The approval gate: returns an exit code to stop with, or null to go on following. */
async function atApprovalGate(client: OrchestratorClient, d: DeploymentView, opts: FollowOptions): Promise<number | null> {
  const { renderer } = opts;
  const how = `approve with: iac-orchestrator approve ${d.id}   (or reject ${d.id})`;
  if (opts.noWait) {
    renderer.message(`Waiting for approval (${d.environment}); ${how}`);
    return EXIT.awaitingApproval;
  }
  if (!opts.ask) {
    renderer.message(`Waiting for an approver (${d.environment}); ${how}`);
    return null;
  }
  renderer.pause();
  const counts = d.plan ? planTotals(d.plan) : '';
  const yes = await opts.ask(`Apply this plan to ${d.environment}? ${counts} [y/N] `);
  renderer.resume();
  if (yes) {
    await client.approveDeployment(d.id, { comment: 'approved at the CLI prompt' });
    renderer.message('Approved.');
  } else {
    await client.rejectDeployment(d.id, { comment: 'rejected at the CLI prompt' });
    renderer.message('Rejected.');
  }
  return null;
}

/** A yes/no question on the terminal (node's readline; no answer or anything but y/yes is a no). */
export async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

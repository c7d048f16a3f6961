import { createHmac, randomBytes } from 'node:crypto';
import { canonicalJson, type ExecutorContext } from '@iac-orchestrator/core';

/** What identifies a Terraform state snapshot: its lineage and serial (any write bumps the serial). */
function stateIdentity(raw: unknown): string | null {
  if (!raw || typeof raw !== 'object') return null;
  const { lineage, serial } = raw as { lineage?: unknown; serial?: unknown };
  return typeof lineage === 'string' && typeof serial === 'number' ? `${lineage}#${serial}` : null;
}

/**
 * Stacks known to have converged (the orchestrator's `ctx.sameAsLastApply`, from its store), else those
 * this process last saw converge (an executor used on its own): an apply of some code and variables
 * that succeeded, leaving a state nobody has written since. Deploying exactly that again is most likely a plan with no changes,
 * and for such a plan `terraform plan` alone is cheaper than `apply -auto-approve` (which, even with
 * nothing to change, walks the empty apply and starts the providers once more). The executor plans
 * first for those and applies the saved plan only if the plan found drift to correct.
 *
 * Only a fingerprint is kept, in memory: an HMAC under a key this process makes (so not even the
 * digest of a sensitive variable outlives it or could be tested against guesses), per stack.
 */
export class ConvergedStacks {
  private readonly key = randomBytes(32);
  private readonly fingerprints = new Map<string, string>();

  private fingerprint(ctx: ExecutorContext, state: unknown): string | null {
    const id = stateIdentity(state);
    if (ctx.operation !== 'apply' || id === null) return null;
    return createHmac('sha256', this.key).update(canonicalJson({ code: ctx.bundle.digest, variables: ctx.variables, state: id })).digest('base64url');
  }

  /** Whether `ctx` deploys the code and variables of the stack's last converged apply onto the state it
   * left: as the orchestrator tells from its store (any runner of a fleet), or as this process saw it. */
  expectsNoChanges(ctx: ExecutorContext): boolean {
    if (ctx.operation === 'apply' && ctx.sameAsLastApply === true) return true;
    const mine = this.fingerprint(ctx, ctx.priorState);
    return mine !== null && this.fingerprints.get(ctx.stackKey) === mine;
  }

  /** Records the outcome of an apply of `ctx`: converged onto `state` when it succeeded, else forgotten. */
  record(ctx: ExecutorContext, succeeded: boolean, state: unknown): void {
    const mine = succeeded ? this.fingerprint(ctx, state) : null;
    if (mine) this.fingerprints.set(ctx.stackKey, mine);
    else this.fingerprints.delete(ctx.stackKey);
  }
}

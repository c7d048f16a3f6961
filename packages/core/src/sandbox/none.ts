import { ValidationError } from '../errors.js';
import type { IsolatedInvocation, Sandbox, SandboxInfo, ToolInvocation } from '../types/sandbox.js';
import { processGroupStopper } from './stop.js';

/**
 * No isolation, for development only: the tool runs as the service's user and sees everything the
 * service can see (its files, its processes' environments, the data dir). It still gets only the
 * environment the executor built, in its own process group. Whoever chooses it is told so loudly.
 */
export class NoSandbox implements Sandbox {
  readonly kind = 'none';

  /** @param reason why there is no sandbox (shown by readiness and in the start-up warning) */
  constructor(private readonly reason = 'sandbox disabled (ORCHESTRATOR_SANDBOX=none)') {}

  describe(): SandboxInfo {
    return { kind: 'none', isolated: false, detail: `no isolation: ${this.reason}; user IaC code can read the service's files and environment` };
  }

  wrap(inv: ToolInvocation): IsolatedInvocation {
    // Without a mount namespace a bind cannot be honoured; ignoring it would let the tool use the service's own files.
    if (inv.binds?.length) throw new ValidationError('This tool needs a private directory bound inside a sandbox; there is no sandbox (ORCHESTRATOR_SANDBOX=none)', 'sandbox');
    return { command: inv.command, args: [...inv.args], env: { ...inv.env }, cwd: inv.cwd, stop: processGroupStopper };
  }
}

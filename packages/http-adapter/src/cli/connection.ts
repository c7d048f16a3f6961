import { isTerminal, type DeploymentStatus } from '@iac-orchestrator/core';
import { ApiError, OrchestratorClient } from '../client/api-client.js';

/** Exit codes of the client commands: the outcome, so scripts and CI can branch on it. */
export const EXIT = { completed: 0, failed: 1, usage: 2, awaitingApproval: 3 } as const;

/** Options every client command takes (commander fills them from flags or the environment). */
export interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

/** A client for the service the options name. The token is only ever sent, never printed. */
export function clientOf(opts: GlobalOptions): OrchestratorClient {
  return new OrchestratorClient({ baseUrl: opts.url, token: opts.token ?? null });
}

/** A usage mistake found after parsing (a bad `--var`, a missing file): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code of a deployment that has stopped moving. */
export function exitCodeOf(status: DeploymentStatus | null): number {
  if (status === 'completed' || status === 'planned') return EXIT.completed;
  if (status === 'awaiting_approval') return EXIT.awaitingApproval;
  if (status && isTerminal(status)) return EXIT.failed;
  return EXIT.failed;
}

/**
 * Prints a failure the way a person reads it and returns its exit code: a refused input (400) or a
 * usage mistake is 2, anything else the service or the network refused is 1.
 */
export function reportError(e: unknown, stderr: NodeJS.WritableStream): number {
  if (e instanceof UsageError) {
    stderr.write(`iac-orchestrator: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof ApiError) {
    stderr.write(`iac-orchestrator: ${e.message}${e.field ? ` (field: ${e.field})` : ''} [HTTP ${e.status}]\n`);
    return e.status === 400 ? EXIT.usage : EXIT.failed;
  }
  const cause = (e as { cause?: { code?: string } }).cause;
  if (e instanceof TypeError && cause?.code) {
    stderr.write(`iac-orchestrator: cannot reach the service (${cause.code}); check --url or ORCHESTRATOR_URL\n`);
    return EXIT.failed;
  }
  stderr.write(`iac-orchestrator: ${e instanceof Error ? e.message : String(e)}\n`);
  return EXIT.failed;
}

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approvalPolicyFor, DEFAULT_PROTECTED_ENVIRONMENTS } from './approval.js';
import type { ResolvedOptions } from './host.js';
import { newInstanceId } from './records.js';
import type { OrchestratorOptions } from './types.js';

/** The Orchestrator's options with every default filled in (what the run host and runners read). */
export function resolveOptions(options: OrchestratorOptions, credentials: ResolvedOptions['credentials']): ResolvedOptions {
  return {
    concurrency: options.concurrency ?? 4,
    maxDeploymentTimeoutMs: options.maxDeploymentTimeoutMs ?? 1_800_000,
    stateRetention: options.stateRetention ?? 10,
    lockTtlMs: options.lockTtlMs ?? 30_000,
    lockWaitMs: options.lockWaitMs ?? 600_000,
    approvalTimeoutMs: options.approvalTimeoutMs ?? 24 * 3600_000,
    approvalPolicy: options.approvalPolicy ?? approvalPolicyFor(options.protectedEnvironments),
    protectedEnvironments: options.protectedEnvironments ?? DEFAULT_PROTECTED_ENVIRONMENTS,
    maxLogBytes: options.maxLogBytes ?? 10 * 1024 * 1024,
    workDir: options.workDir ?? join(tmpdir(), 'iac-orchestrator'),
    keepWorkDirs: options.keepWorkDirs ?? false,
    instanceId: options.instanceId ?? newInstanceId(),
    credentials,
  };
}

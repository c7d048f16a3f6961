import type { SandboxSetting } from '@iac-orchestrator/core';
import type { Capability } from './commands/create-change-set.js';
import { DEFAULTS } from './defaults.js';

/** Constructor options of {@link CloudFormationExecutor}. */
export interface CloudFormationExecutorOptions {
  /** The AWS CLI (v1 or v2). Default `aws` on PATH. */
  binary?: string;
  /** Root of the per-deployment work dirs (`CFN_WORK_DIR`). */
  workRoot?: string;
  /** How often stack events and statuses are polled. Default 2 s. */
  pollIntervalMs?: number;
  /** After a cancel or timeout, how long to wait for a stable stack before returning its state. Default 5 min. */
  cancelGraceMs?: number;
  /** Prefix of conventional stack names. Default `iac-`. */
  stackNamePrefix?: string;
  /** Upper bound of one `aws` call. Default 2 min. */
  callTimeoutMs?: number;
  /** Capabilities granted to every stack, on top of a deployment's `options.executor.capabilities`. */
  capabilities?: Capability[];
  /** Tags set on every stack, under a deployment's own `options.executor.tags`. */
  tags?: Record<string, string>;
  /** Run `cfn-lint` before every change set (a deployment can also ask with `options.executor.cfnLint`). */
  cfnLint?: boolean;
  /** The `cfn-lint` binary. Default `cfn-lint` on PATH. */
  cfnLintBinary?: string;
  /** Stack events written to the log after a failure, cancel or timeout. Default 10. */
  lastEventsInLog?: number;
  /** Where every `aws` / `cfn-lint` process runs. Default: the orchestrator's (`ctx.sandbox`), else `auto`. */
  sandbox?: SandboxSetting;
}

export interface ResolvedConfig {
  sandbox?: SandboxSetting;
  binary: string;
  workRoot?: string;
  pollIntervalMs: number;
  cancelGraceMs: number;
  stackNamePrefix: string;
  callTimeoutMs: number;
  capabilities: Capability[];
  tags: Record<string, string>;
  cfnLint: boolean;
  cfnLintBinary: string;
  lastEventsInLog: number;
}

export function resolveConfig(o: CloudFormationExecutorOptions = {}): ResolvedConfig {
  return {
    ...(o.sandbox !== undefined ? { sandbox: o.sandbox } : {}),
    binary: o.binary ?? DEFAULTS.binary,
    ...(o.workRoot ? { workRoot: o.workRoot } : {}),
    pollIntervalMs: o.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    cancelGraceMs: o.cancelGraceMs ?? DEFAULTS.cancelGraceMs,
    stackNamePrefix: o.stackNamePrefix ?? DEFAULTS.stackNamePrefix,
    callTimeoutMs: o.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    capabilities: o.capabilities ?? [],
    tags: o.tags ?? {},
    cfnLint: o.cfnLint ?? false,
    cfnLintBinary: o.cfnLintBinary ?? DEFAULTS.cfnLintBinary,
    lastEventsInLog: o.lastEventsInLog ?? DEFAULTS.lastEventsInLog,
  };
}

/**
 * Executor options from environment variables, for the standalone service: `CFN_WORK_DIR` (the spec's
 * name), and `CFN_AWS_BINARY`, `CFN_STACK_NAME_PREFIX`, `CFN_POLL_INTERVAL_MS`, `CFN_CANCEL_GRACE_MS`,
 * `CFN_LINT` ("true") when set.
 */
export function optionsFromEnv(env: Record<string, string | undefined> = process.env): CloudFormationExecutorOptions {
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const o: CloudFormationExecutorOptions = {};
  if (env.CFN_WORK_DIR) o.workRoot = env.CFN_WORK_DIR;
  if (env.CFN_AWS_BINARY) o.binary = env.CFN_AWS_BINARY;
  if (env.CFN_STACK_NAME_PREFIX !== undefined) o.stackNamePrefix = env.CFN_STACK_NAME_PREFIX;
  const poll = num(env.CFN_POLL_INTERVAL_MS);
  if (poll !== undefined) o.pollIntervalMs = poll;
  const grace = num(env.CFN_CANCEL_GRACE_MS);
  if (grace !== undefined) o.cancelGraceMs = grace;
  if (env.CFN_LINT === 'true') o.cfnLint = true;
  return o;
}

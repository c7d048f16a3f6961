import { mkdirSync } from 'node:fs';
import { ValidationError, type ExecutorContext, type Sandbox } from '@iac-orchestrator/core';
import type { AwsCli } from './cli.js';
import { buildChildEnv, preparePrivateHome } from './env.js';
import { parseDeploymentOptions, type CloudFormationDeploymentOptions } from './executor-options.js';
import type { GlobalOptions } from './options.js';
import { assertStackName, changeSetNameFor, stackNameFor } from './stack-name.js';
import type { ResolvedConfig } from './config.js';

/** Everything one executor call needs to talk to CloudFormation about one stack. */
export interface Session {
  ctx: ExecutorContext;
  config: ResolvedConfig;
  options: CloudFormationDeploymentOptions;
  cli: AwsCli;
  global: GlobalOptions;
  stackName: string;
  changeSetName: string;
  /** Values never to be stored or shown (NoEcho parameter values of this deployment). */
  secrets: Set<string>;
}

/** The stack name a previous apply recorded, so a renamed convention never orphans a stack. */
function priorStackName(prior: unknown): string | null {
  if (prior && typeof prior === 'object' && 'stackName' in prior && typeof (prior as { stackName: unknown }).stackName === 'string') {
    return (prior as { stackName: string }).stackName;
  }
  return null;
}

/** Opens a session: parses options, prepares the private HOME in the work dir, builds the child env. */
export function openSession(ctx: ExecutorContext, config: ResolvedConfig, sandbox: () => Promise<Sandbox>): Session {
  const options = parseDeploymentOptions(ctx.options);
  mkdirSync(ctx.workDir, { recursive: true, mode: 0o700 });
  const home = preparePrivateHome(ctx.workDir);
  const env = buildChildEnv(ctx.env, home);
  if (options.stackName && ctx.stack.target) {
    // A group's options are shared by its targets: one explicit name would make them all drive one stack.
    throw new ValidationError('options.executor.stackName names one stack, but each target of a deployment group needs its own: leave it out (targets get <prefix><blueprint>-<environment>-<target>-<hash>)', 'options.executor.stackName');
  }
  const stackName = options.stackName
    ? assertStackName(options.stackName)
    : (priorStackName(ctx.priorState) ?? stackNameFor(ctx.stack, ctx.stackKey, config.stackNamePrefix));
  const global: GlobalOptions = {};
  if (env.AWS_ENDPOINT_URL) global.endpointUrl = env.AWS_ENDPOINT_URL;
  return {
    ctx,
    config,
    options,
    cli: { binary: config.binary, env, cwd: ctx.workDir, sandbox, callTimeoutMs: config.callTimeoutMs, killGraceMs: Math.min(config.cancelGraceMs, 10_000) },
    global,
    stackName,
    changeSetName: changeSetNameFor(ctx.deploymentId),
    secrets: new Set(),
  };
}

/** Log through the deployment (the orchestrator redacts on the way out). */
export function log(s: Session, level: 'debug' | 'info' | 'warn' | 'error', message: string, resource: string | null = null): void {
  s.ctx.emit({ type: 'log', level, message, resource });
}

/** Registers a secret with the orchestrator and keeps it to mask stored values. */
export function addSecret(s: Session, value: string): void {
  s.secrets.add(value);
  s.ctx.secret(value);
}

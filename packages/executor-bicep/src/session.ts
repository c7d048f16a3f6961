import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutorError, Redactor, type ExecutorContext } from '@iac-orchestrator/core';
import { buildAccountSetArgs } from './commands/account-set.js';
import { buildLoginArgs, buildManagedIdentityLoginArgs } from './commands/login.js';
import { buildChildEnv } from './env.js';
import type { ResolvedOptions } from './options.js';
import { CliRunner } from './runner.js';

/** The service principal and subscription a deployment runs as, from `ctx.env`. */
export interface AzureCredentials {
  clientId?: string;
  clientSecret?: string;
  tenantId?: string;
  subscriptionId?: string;
}

export function credentialsOf(env: Record<string, string>): AzureCredentials {
  return {
    clientId: env.AZURE_CLIENT_ID || undefined,
    clientSecret: env.AZURE_CLIENT_SECRET || undefined,
    tenantId: env.AZURE_TENANT_ID || undefined,
    subscriptionId: env.AZURE_SUBSCRIPTION_ID || undefined,
  };
}

/** A signed-in az with its own config dir; `close()` removes the dir and with it every token. */
export interface AzSession {
  az: CliRunner;
  configDir: string;
  subscriptionId: string | null;
  close(): Promise<void>;
}

/** The redactor of one executor call: the credentials plus the secrets of this deployment. */
export function redactorFor(ctx: ExecutorContext): Redactor {
  const r = new Redactor();
  r.addEnv(ctx.env);
  if (ctx.env.AZURE_CLIENT_SECRET) r.add(ctx.env.AZURE_CLIENT_SECRET);
  return r;
}

/**
 * Opens a private `AZURE_CONFIG_DIR` (0700, inside the deployment's work dir), signs in and selects
 * the subscription. az keeps the token cache (and, for a service principal, the secret) in that dir,
 * so it lives only for this call and is removed by `close()` even when the call fails.
 */
export async function openSession(ctx: ExecutorContext, opts: ResolvedOptions, redactor: Redactor, signal?: AbortSignal): Promise<AzSession> {
  const creds = credentialsOf(ctx.env);
  if (opts.login === 'service-principal') {
    const missing = (['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT_ID'] as const).filter((k) => !ctx.env[k]);
    if (missing.length) {
      throw new ExecutorError(`Azure credentials are incomplete: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`, { missing });
    }
  }
  const configDir = await mkdtemp(join(ctx.workDir, '.azure-'));
  const env = buildChildEnv({ configDir, extra: opts.env });
  const az = new CliRunner(
    opts.azBinary,
    env,
    redactor,
    opts.commandTimeoutMs,
    (line) => ctx.emit({ type: 'log', level: 'debug', message: line, resource: null }),
    { sandbox: () => opts.sandbox(ctx), cwd: ctx.workDir, writablePaths: [ctx.workDir, ...opts.writablePaths], readablePaths: opts.readablePaths },
  );
  const close = () => rm(configDir, { recursive: true, force: true });
  try {
    if (opts.login === 'service-principal') {
      await az.ok('az login', buildLoginArgs({ clientId: creds.clientId!, tenantId: creds.tenantId! }), { input: creds.clientSecret!, signal });
    } else {
      await az.ok('az login --identity', buildManagedIdentityLoginArgs({ clientId: creds.clientId }), { signal });
    }
    if (creds.subscriptionId) await az.ok('az account set', buildAccountSetArgs({ subscriptionId: creds.subscriptionId }), { signal });
    return { az, configDir, subscriptionId: creds.subscriptionId ?? null, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Runs `fn` in a signed-in session and always removes the session's config dir afterwards. */
export async function withSession<T>(
  ctx: ExecutorContext,
  opts: ResolvedOptions,
  redactor: Redactor,
  fn: (s: AzSession) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const s = await openSession(ctx, opts, redactor, signal);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

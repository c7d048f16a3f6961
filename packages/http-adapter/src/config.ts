import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { KnownFormat, NotificationOptions } from '@iac-orchestrator/core';
import { notificationsFromEnv } from './notify-config.js';
import { parseApiTokens, type ApiToken } from './auth.js';
import type { SlackApprovalOptions } from './routes/slack.js';
import { slackSettingsOf } from './slack/settings.js';
import { GitAllowedHostSchema, GitProtocolsSchema, parseGitCredentialMap, type GitServiceConfig } from './git-config.js';

/** Prefixes of cloud credential variables handed to the orchestrator (each deployment gets its own cloud's only). */
const CREDENTIAL_PREFIX = /^(AZURE_|ARM_|AWS_|GCP_|GOOGLE_|CLOUDSDK_)/;

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (def: number) => z.coerce.number().int().positive().default(def);
/** A GOMEMLIMIT Go accepts and that makes sense for terraform: `off`, or 64 MiB to 1024 TiB. */
function isGoMemoryLimit(v: string): boolean {
  if (v === 'off') return true;
  const m = /^([1-9][0-9]{0,15})(B|KiB|MiB|GiB|TiB)?$/.exec(v);
  const unit = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 }[m?.[2] ?? 'B'] ?? 1;
  const bytes = m ? Number(m[1]) * unit : 0;
  return bytes >= 64 * 2 ** 20 && bytes <= 2 ** 50;
}

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
/** A switch that is on unless set to false/0/no. */
const onUnlessOff = () => z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional().transform((v) => !(v === 'false' || v === '0' || v === 'no'));

/**
 * The environment variables the service reads. The spec's Configuration section (PORT, NODE_ENV,
 * LOG_LEVEL, IAC_GENERATOR_URL, the work dirs, MAX_DEPLOYMENT_TIMEOUT_MS, STATE_BACKUP_RETENTION,
 * AZURE_*, AWS_*, GCP_*) plus the service's own (ORCHESTRATOR_*, HOST, REDIS_URL...).
 */
export const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3004),
  HOST: optionalString,
  NODE_ENV: z.preprocess(emptyAsUndefined, z.string().default('development')),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  IAC_GENERATOR_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
  /** Per-request timeout towards the generator, ms. */
  IAC_GENERATOR_TIMEOUT_MS: positiveInt(10_000),
  /** Retries of a failed generator request (network error, 5xx). */
  IAC_GENERATOR_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  TERRAFORM_WORK_DIR: optionalString,
  BICEP_WORK_DIR: optionalString,
  CFN_WORK_DIR: optionalString,
  TERRAFORM_BINARY: z.preprocess(emptyAsUndefined, z.string().default('terraform')),
  /** CLI config (mirrors, credentials helpers) for terraform; TF_CLI_CONFIG_FILE is honoured too. */
  TERRAFORM_CLI_CONFIG_FILE: optionalString,
  TF_CLI_CONFIG_FILE: optionalString,
  TERRAFORM_PLUGIN_CACHE_DIR: optionalString,
  TF_PLUGIN_CACHE_DIR: optionalString,
  /** Auto-approved deployments plan and apply in one `terraform apply -auto-approve` process; on unless false/0/no. */
  TERRAFORM_PLAN_AND_APPLY: onUnlessOff(),
  /** A redeploy of unchanged code reuses its stack's initialised data dir instead of `terraform init`; on unless false/0/no. */
  TERRAFORM_REUSE_INIT: onUnlessOff(),
  /** GOGC of terraform and its providers: a percentage or `off` (default: the executor's, 400). */
  TERRAFORM_GOGC: z.preprocess(emptyAsUndefined, z.union([z.literal('off'), z.coerce.number().int().min(1).max(100_000)]).optional()),
  /** GOMEMLIMIT of terraform and each provider, e.g. 2GiB, or off (default: a quarter of the machine's memory). */
  TERRAFORM_GOMEMLIMIT: z.preprocess(emptyAsUndefined, z.string().refine(isGoMemoryLimit, "a size from 64MiB to 1024TiB like 2GiB or 1536MiB, or 'off'").optional()),
  CFN_AWS_BINARY: z.preprocess(emptyAsUndefined, z.string().default('aws')),
  AZ_CLI_BINARY: z.preprocess(emptyAsUndefined, z.string().default('az')),
  MAX_DEPLOYMENT_TIMEOUT_MS: positiveInt(1_800_000),
  STATE_BACKUP_RETENTION: z.coerce.number().int().min(1).max(1000).default(10),
  ORCHESTRATOR_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./.orchestrator-data')),
  STATE_ENCRYPTION_KEY: optionalString,
  /** The embedded store without REDIS_URL: SQLite (default), or the file store kept for those who opt in. */
  /** Executors to load, e.g. `terraform,bicep`; each must be installed. Unset: every installed one. */
  ORCHESTRATOR_EXECUTORS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .transform((v) => v.split(',').map((f) => f.trim()).filter(Boolean))
      .pipe(z.array(z.enum(['terraform', 'cloudformation', 'bicep'])).min(1))
      .optional(),
  ),
  ORCHESTRATOR_STORE: z.preprocess(emptyAsUndefined, z.enum(['sqlite', 'file']).default('sqlite')),
  REDIS_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_PREFIX: optionalString,
  /** SQLite and Redis stores: days terminal deployments (with logs and plans) and audit entries are kept. Unset: for ever. */
  RETENTION_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().positive().optional()),
  ORCHESTRATOR_API_TOKENS: optionalString,
  ORCHESTRATOR_ALLOW_UNAUTHENTICATED: flag,
  ORCHESTRATOR_CONCURRENCY: positiveInt(4),
  /** Largest accepted request body; inline bundles are capped at 5 MiB by core, JSON adds some overhead. */
  ORCHESTRATOR_MAX_BODY_BYTES: positiveInt(6 * 1024 * 1024),
  /** Without tokens: host names accepted besides loopback ones (Host / Origin), comma-separated. */
  ORCHESTRATOR_ALLOWED_HOSTS: optionalString,
  /** Most variables one deploy request may declare sensitive. */
  ORCHESTRATOR_MAX_SENSITIVE_VALUES: positiveInt(2000),
  /** Live log streams one token may hold open at once. */
  ORCHESTRATOR_MAX_STREAMS_PER_TOKEN: positiveInt(20),
  /** Most bytes of log messages kept per deployment (a truncation marker ends a longer log). */
  ORCHESTRATOR_MAX_LOG_BYTES: positiveInt(10 * 1024 * 1024),
  /** Environments whose plans need an approver, comma-separated (exact names, case-insensitive). */
  ORCHESTRATOR_PROTECTED_ENVIRONMENTS: z.preprocess(emptyAsUndefined, z.string().default('production,prod')),
  /** The web console at /ui; on unless set to false/0/no. */
  ORCHESTRATOR_UI: z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => !(v === 'false' || v === '0' || v === 'no')),
  /** How long SIGTERM waits for running deployments before cancelling them (they still save state). */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(20_000),
  /** `api`: REST only, enqueues jobs; `worker`: runs jobs, serves only /health, /ready, /metrics; `all`: both. */
  ORCHESTRATOR_ROLE: z.preprocess(emptyAsUndefined, z.enum(['api', 'worker', 'all']).default('all')),
  /** Where tool processes run: `auto` = bubblewrap where it works here, `bwrap` = bubblewrap or refuse to
   * start, `none` = no isolation (development). */
  ORCHESTRATOR_SANDBOX: z.preprocess(emptyAsUndefined, z.enum(['auto', 'bwrap', 'none']).default('auto')),
  /** Accept running tools without a sandbox on a non-loopback address. */
  ORCHESTRATOR_ALLOW_UNSANDBOXED: flag,
  /** Approve from Slack: the Slack app's signing secret; unset, the Slack actions route is off. */
  SLACK_SIGNING_SECRET: optionalString,
  /** Slack users who may approve: `[TEAM/]USER:principal[:role]`, comma-separated, or a JSON array. */
  SLACK_APPROVERS: optionalString,
  /** response_url prefixes allowed besides https://hooks.slack.com/ (tests, proxies), comma-separated. */
  SLACK_RESPONSE_URL_PREFIXES: optionalString,
  /** Transports a deploy request's `source.git.url` may use: https (default), ssh, file, http. */
  ORCHESTRATOR_GIT_PROTOCOLS: z.preprocess(emptyAsUndefined, GitProtocolsSchema),
  /** JSON: host or https URL prefix → token or {token, username}; host or ssh URL prefix → {sshKeyFile, knownHosts}. Secret; parsed in loadConfig. */
  ORCHESTRATOR_GIT_CREDENTIALS: optionalString,
  /** Bound on fetching one Git source (at request time), ms. */
  ORCHESTRATOR_GIT_TIMEOUT_MS: positiveInt(60_000),
  /** Most bytes a fetched repository may take on disk. */
  ORCHESTRATOR_GIT_MAX_BYTES: positiveInt(64 * 1024 * 1024),
  ORCHESTRATOR_GIT_BINARY: z.preprocess(emptyAsUndefined, z.string().default('git')),
  /** Git fetches at once in this process; more wait (within the timeout). */
  ORCHESTRATOR_GIT_MAX_CONCURRENT: positiveInt(4),
  /** Git fetches at once of one caller (token). */
  ORCHESTRATOR_GIT_MAX_CONCURRENT_PER_CALLER: positiveInt(2),
  /** Hosts (`host`, `host:port`) or URL prefixes Git sources may come from, comma-separated; unset: public addresses only. */
  ORCHESTRATOR_GIT_ALLOWED_HOSTS: z.preprocess(emptyAsUndefined, z.string().default('')).transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean)).pipe(z.array(GitAllowedHostSchema)),
  /** Address space of each git process (prlimit --as), bytes; 0: no kernel limits. */
  ORCHESTRATOR_GIT_MAX_MEMORY_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(256 * 1024 * 1024)),
  /** CPU seconds of each git process (prlimit --cpu). */
  ORCHESTRATOR_GIT_MAX_CPU_SECONDS: positiveInt(30),
});

/** The service's configuration: one typed object, parsed once at start. */
export interface ServiceConfig {
  port: number;
  host: string;
  nodeEnv: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  generator: { url: string; timeoutMs: number; retries: number } | null;
  terraform: { binary: string; workRoot: string; cliConfigFile?: string; pluginCacheDir?: string; planAndApply: boolean; reuseInit: boolean; goGc?: number | 'off'; goMemoryLimit?: string };
  cloudformation: { binary: string; workRoot: string };
  bicep: { azBinary: string; workRoot: string };
  /** ORCHESTRATOR_EXECUTORS: the executors to load (each must be installed); null: every installed one. */
  executors: KnownFormat[] | null;
  maxDeploymentTimeoutMs: number;
  stateRetention: number;
  concurrency: number;
  store:
    | { kind: 'sqlite'; dataDir: string; encryptionKey?: string; retentionDays?: number }
    | { kind: 'file'; dataDir: string; encryptionKey?: string }
    | { kind: 'redis'; url: string; prefix?: string; encryptionKey?: string; retentionDays?: number };
  tokens: ApiToken[];
  /** True when there are no tokens: every caller is trusted (only allowed on loopback or by explicit opt-in). */
  unauthenticated: boolean;
  maxBodyBytes: number;
  /** Whether /ui serves the web console (ORCHESTRATOR_UI). */
  ui: boolean;
  shutdownGraceMs: number;
  /** What this process does: serve the REST API (`api`), run jobs (`worker`), or both (`all`). */
  role: 'api' | 'worker' | 'all';
  /** Where phase jobs wait: this process's memory, or BullMQ on the same Redis as the store (`REDIS_URL`). */
  queue: { kind: 'in-process' } | { kind: 'bullmq'; url: string; prefix?: string };
  /** `ORCHESTRATOR_SANDBOX`. */
  sandbox: 'auto' | 'bwrap' | 'none';
  /** `ORCHESTRATOR_ALLOW_UNSANDBOXED`: tools may run without a sandbox although the API is reachable from
   * other machines. */
  allowUnsandboxed: boolean;
  /** Request guards of issue 12: DNS-rebinding allow-list, per-request bounds. */
  guards: { allowedHosts: string[]; maxSensitiveValues: number; maxStreamsPerToken: number };
  /** Environments whose plans need an approver (ORCHESTRATOR_PROTECTED_ENVIRONMENTS). */
  protectedEnvironments: string[];
  /** ORCHESTRATOR_MAX_LOG_BYTES. */
  maxLogBytes: number;
  /** AZURE_*, ARM_*, AWS_*, GCP_*, GOOGLE_* values; handed to the orchestrator, never logged. */
  credentials: Record<string, string>;
  /** Approve from Slack (SLACK_*); null when SLACK_SIGNING_SECRET is unset. Holds the signing secret: never log it. */
  slack: SlackApprovalOptions | null;
  /** ORCHESTRATOR_NOTIFY* and ORCHESTRATOR_PUBLIC_URL (see notify-config.ts); secrets never logged. */
  notifications: NotificationOptions;
  /** Git code sources (`source.git` in deploy requests): ORCHESTRATOR_GIT_*. Tokens are secrets. */
  git: GitServiceConfig;
}

/** Configuration that cannot start a safe service. The message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether an address is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

/** Why the service will not run tools unsandboxed on `host`, and how to say it really should. */
export function unsandboxedRefusal(host: string, why: string): string {
  return `Refusing to run tool processes without a sandbox (${why}) while listening on ${host}: user IaC code could read the service's credentials and data. Install bubblewrap, listen on 127.0.0.1, or set ORCHESTRATOR_ALLOW_UNSANDBOXED=true`;
}

/** Parses the environment into a {@link ServiceConfig}; throws a {@link ConfigError} naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServiceConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const tokens = parseApiTokens(e.ORCHESTRATOR_API_TOKENS ?? '');
  const unauthenticated = tokens.length === 0;
  // Without tokens the default is loopback only; with tokens, every interface (a container's usual need).
  const host = e.HOST ?? (unauthenticated ? '127.0.0.1' : '0.0.0.0');
  if (unauthenticated && !LOOPBACK.has(host) && !e.ORCHESTRATOR_ALLOW_UNAUTHENTICATED) {
    throw new ConfigError(
      `Refusing to listen on ${host} without authentication: set ORCHESTRATOR_API_TOKENS, or ORCHESTRATOR_ALLOW_UNAUTHENTICATED=true to accept anyone who can reach the port`,
    );
  }
  if (e.ORCHESTRATOR_ROLE !== 'all' && !e.REDIS_URL) {
    throw new ConfigError(`ORCHESTRATOR_ROLE=${e.ORCHESTRATOR_ROLE} needs REDIS_URL: API and worker processes share jobs through BullMQ on Redis (without it, run ORCHESTRATOR_ROLE=all)`);
  }
  if (e.ORCHESTRATOR_SANDBOX === 'none' && !isLoopback(host) && !e.ORCHESTRATOR_ALLOW_UNSANDBOXED) {
    throw new ConfigError(unsandboxedRefusal(host, 'ORCHESTRATOR_SANDBOX=none'));
  }
  const notifications = notificationsFromEnv(env, (m) => new ConfigError(m));
  let slack: SlackApprovalOptions | null;
  try {
    // The buttons' values are keyed with the notifications secret: the Slack route checks clicks with it.
    slack = slackSettingsOf({ ...e, ORCHESTRATOR_NOTIFY_SECRET: notifications.secret, ORCHESTRATOR_PUBLIC_URL: notifications.publicUrl });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const workBase = join(tmpdir(), 'iac-orchestrator');
  const store: ServiceConfig['store'] = e.REDIS_URL
    ? { kind: 'redis', url: e.REDIS_URL, prefix: e.REDIS_PREFIX, encryptionKey: e.STATE_ENCRYPTION_KEY, retentionDays: e.RETENTION_DAYS }
    : e.ORCHESTRATOR_STORE === 'sqlite'
      ? { kind: 'sqlite', dataDir: resolve(e.ORCHESTRATOR_DATA_DIR), encryptionKey: e.STATE_ENCRYPTION_KEY, retentionDays: e.RETENTION_DAYS }
      : { kind: 'file', dataDir: resolve(e.ORCHESTRATOR_DATA_DIR), encryptionKey: e.STATE_ENCRYPTION_KEY };
  return {
    port: e.PORT,
    host,
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    generator: e.IAC_GENERATOR_URL ? { url: e.IAC_GENERATOR_URL, timeoutMs: e.IAC_GENERATOR_TIMEOUT_MS, retries: e.IAC_GENERATOR_RETRIES } : null,
    terraform: {
      binary: e.TERRAFORM_BINARY,
      workRoot: resolve(e.TERRAFORM_WORK_DIR ?? join(workBase, 'terraform')),
      cliConfigFile: e.TERRAFORM_CLI_CONFIG_FILE ?? e.TF_CLI_CONFIG_FILE,
      pluginCacheDir: e.TERRAFORM_PLUGIN_CACHE_DIR ?? e.TF_PLUGIN_CACHE_DIR,
      planAndApply: e.TERRAFORM_PLAN_AND_APPLY,
      reuseInit: e.TERRAFORM_REUSE_INIT,
      ...(e.TERRAFORM_GOGC !== undefined ? { goGc: e.TERRAFORM_GOGC } : {}),
      ...(e.TERRAFORM_GOMEMLIMIT ? { goMemoryLimit: e.TERRAFORM_GOMEMLIMIT } : {}),
    },
    cloudformation: { binary: e.CFN_AWS_BINARY, workRoot: resolve(e.CFN_WORK_DIR ?? join(workBase, 'cloudformation')) },
    bicep: { azBinary: e.AZ_CLI_BINARY, workRoot: resolve(e.BICEP_WORK_DIR ?? join(workBase, 'bicep')) },
    executors: e.ORCHESTRATOR_EXECUTORS ?? null,
    maxDeploymentTimeoutMs: e.MAX_DEPLOYMENT_TIMEOUT_MS,
    stateRetention: e.STATE_BACKUP_RETENTION,
    concurrency: e.ORCHESTRATOR_CONCURRENCY,
    store,
    tokens,
    unauthenticated,
    maxBodyBytes: e.ORCHESTRATOR_MAX_BODY_BYTES,
    ui: e.ORCHESTRATOR_UI,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    role: e.ORCHESTRATOR_ROLE,
    queue: e.REDIS_URL ? { kind: 'bullmq', url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : { kind: 'in-process' },
    sandbox: e.ORCHESTRATOR_SANDBOX,
    allowUnsandboxed: e.ORCHESTRATOR_ALLOW_UNSANDBOXED,
    guards: {
      allowedHosts: (e.ORCHESTRATOR_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
      maxSensitiveValues: e.ORCHESTRATOR_MAX_SENSITIVE_VALUES,
      maxStreamsPerToken: e.ORCHESTRATOR_MAX_STREAMS_PER_TOKEN,
    },
    maxLogBytes: e.ORCHESTRATOR_MAX_LOG_BYTES,
    protectedEnvironments: e.ORCHESTRATOR_PROTECTED_ENVIRONMENTS.split(',').map((n) => n.trim()).filter(Boolean),
    credentials: collectCredentials(env),
    slack,
    notifications,
    git: {
      binary: e.ORCHESTRATOR_GIT_BINARY,
      protocols: e.ORCHESTRATOR_GIT_PROTOCOLS,
      timeoutMs: e.ORCHESTRATOR_GIT_TIMEOUT_MS,
      maxFetchBytes: e.ORCHESTRATOR_GIT_MAX_BYTES,
      maxConcurrentFetches: e.ORCHESTRATOR_GIT_MAX_CONCURRENT,
      maxConcurrentFetchesPerCaller: e.ORCHESTRATOR_GIT_MAX_CONCURRENT_PER_CALLER,
      allowedHosts: e.ORCHESTRATOR_GIT_ALLOWED_HOSTS,
      maxMemoryBytes: e.ORCHESTRATOR_GIT_MAX_MEMORY_BYTES,
      maxCpuSeconds: e.ORCHESTRATOR_GIT_MAX_CPU_SECONDS,
      ...gitCredentials(e.ORCHESTRATOR_GIT_CREDENTIALS),
    },
  };
}

function gitCredentials(text: string | undefined) {
  try {
    const { https, ssh } = parseGitCredentialMap(text);
    return { credentials: https, sshCredentials: ssh };
  } catch (e) {
    throw new ConfigError(`Invalid configuration: ${(e as Error).message}`);
  }
}

/**
 * The cloud credentials of the environment. The spec's names are also mapped to what the tools read:
 * AZURE_* → ARM_* (terraform azurerm), GCP_PROJECT_ID → GOOGLE_PROJECT, GCP_CREDENTIALS_FILE →
 * GOOGLE_APPLICATION_CREDENTIALS, unless those are set already.
 */
export function collectCredentials(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v && CREDENTIAL_PREFIX.test(k)) out[k] = v;
  const alias = (from: string, to: string) => {
    if (out[from] && !out[to]) out[to] = out[from];
  };
  alias('AZURE_SUBSCRIPTION_ID', 'ARM_SUBSCRIPTION_ID');
  alias('AZURE_TENANT_ID', 'ARM_TENANT_ID');
  alias('AZURE_CLIENT_ID', 'ARM_CLIENT_ID');
  alias('AZURE_CLIENT_SECRET', 'ARM_CLIENT_SECRET');
  alias('GCP_PROJECT_ID', 'GOOGLE_PROJECT');
  alias('GCP_CREDENTIALS_FILE', 'GOOGLE_APPLICATION_CREDENTIALS');
  return out;
}

import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseApiTokens, type ApiToken } from './auth.js';

/** Prefixes of cloud credential variables handed to the orchestrator (each deployment gets its own cloud's only). */
const CREDENTIAL_PREFIX = /^(AZURE_|ARM_|AWS_|GCP_|GOOGLE_|CLOUDSDK_)/;

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (def: number) => z.coerce.number().int().positive().default(def);
const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

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
  CFN_AWS_BINARY: z.preprocess(emptyAsUndefined, z.string().default('aws')),
  AZ_CLI_BINARY: z.preprocess(emptyAsUndefined, z.string().default('az')),
  MAX_DEPLOYMENT_TIMEOUT_MS: positiveInt(1_800_000),
  STATE_BACKUP_RETENTION: z.coerce.number().int().min(1).max(1000).default(10),
  ORCHESTRATOR_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./.orchestrator-data')),
  STATE_ENCRYPTION_KEY: optionalString,
  /** The embedded store without REDIS_URL: SQLite (default), or the file store kept for those who opt in. */
  ORCHESTRATOR_STORE: z.preprocess(emptyAsUndefined, z.enum(['sqlite', 'file']).default('sqlite')),
  REDIS_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_PREFIX: optionalString,
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
});

/** The service's configuration: one typed object, parsed once at start. */
export interface ServiceConfig {
  port: number;
  host: string;
  nodeEnv: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  generator: { url: string; timeoutMs: number; retries: number } | null;
  terraform: { binary: string; workRoot: string; cliConfigFile?: string; pluginCacheDir?: string };
  cloudformation: { binary: string; workRoot: string };
  bicep: { azBinary: string; workRoot: string };
  maxDeploymentTimeoutMs: number;
  stateRetention: number;
  concurrency: number;
  store:
    | { kind: 'sqlite'; dataDir: string; encryptionKey?: string }
    | { kind: 'file'; dataDir: string; encryptionKey?: string }
    | { kind: 'redis'; url: string; prefix?: string; encryptionKey?: string };
  tokens: ApiToken[];
  /** True when there are no tokens: every caller is trusted (only allowed on loopback or by explicit opt-in). */
  unauthenticated: boolean;
  maxBodyBytes: number;
  /** Whether /ui serves the web console (ORCHESTRATOR_UI). */
  ui: boolean;
  shutdownGraceMs: number;
  /** Request guards of issue 12: DNS-rebinding allow-list, per-request bounds. */
  guards: { allowedHosts: string[]; maxSensitiveValues: number; maxStreamsPerToken: number };
  /** Environments whose plans need an approver (ORCHESTRATOR_PROTECTED_ENVIRONMENTS). */
  protectedEnvironments: string[];
  /** ORCHESTRATOR_MAX_LOG_BYTES. */
  maxLogBytes: number;
  /** AZURE_*, ARM_*, AWS_*, GCP_*, GOOGLE_* values; handed to the orchestrator, never logged. */
  credentials: Record<string, string>;
}

/** Configuration that cannot start a safe service. The message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

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
  const workBase = join(tmpdir(), 'iac-orchestrator');
  const store: ServiceConfig['store'] = e.REDIS_URL
    ? { kind: 'redis', url: e.REDIS_URL, prefix: e.REDIS_PREFIX, encryptionKey: e.STATE_ENCRYPTION_KEY }
    : { kind: e.ORCHESTRATOR_STORE, dataDir: resolve(e.ORCHESTRATOR_DATA_DIR), encryptionKey: e.STATE_ENCRYPTION_KEY };
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
    },
    cloudformation: { binary: e.CFN_AWS_BINARY, workRoot: resolve(e.CFN_WORK_DIR ?? join(workBase, 'cloudformation')) },
    bicep: { azBinary: e.AZ_CLI_BINARY, workRoot: resolve(e.BICEP_WORK_DIR ?? join(workBase, 'bicep')) },
    maxDeploymentTimeoutMs: e.MAX_DEPLOYMENT_TIMEOUT_MS,
    stateRetention: e.STATE_BACKUP_RETENTION,
    concurrency: e.ORCHESTRATOR_CONCURRENCY,
    store,
    tokens,
    unauthenticated,
    maxBodyBytes: e.ORCHESTRATOR_MAX_BODY_BYTES,
    ui: e.ORCHESTRATOR_UI,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    guards: {
      allowedHosts: (e.ORCHESTRATOR_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
      maxSensitiveValues: e.ORCHESTRATOR_MAX_SENSITIVE_VALUES,
      maxStreamsPerToken: e.ORCHESTRATOR_MAX_STREAMS_PER_TOKEN,
    },
    maxLogBytes: e.ORCHESTRATOR_MAX_LOG_BYTES,
    protectedEnvironments: e.ORCHESTRATOR_PROTECTED_ENVIRONMENTS.split(',').map((n) => n.trim()).filter(Boolean),
    credentials: collectCredentials(env),
  };
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

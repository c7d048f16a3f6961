import { totalmem } from 'node:os';
import { ValidationError, type KnownTargetCloud, type TargetCloud } from '@iac-orchestrator/core';
import { TERRAFORM_DEFAULTS } from './defaults.js';

/** Parent variables a Terraform child may see: the basics a CLI needs, locale and proxies. Nothing else:
 * not HOME, whose `~/.aws`, `~/.azure` and gcloud files hold the service's own credentials. */
export const PARENT_ENV_ALLOWLIST = [
  'PATH',
  'TMPDIR',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
] as const;

/** Which credential variables of `ctx.env` belong to each cloud (anything else is dropped). */
const CLOUD_VARS: Record<KnownTargetCloud, RegExp> = {
  aws: /^AWS_/,
  azure: /^(ARM_|AZURE_)/,
  gcp: /^(GOOGLE_|GCP_|CLOUDSDK_)/,
};

/** The orchestrator's credential names → the names Terraform's providers read. */
const CREDENTIAL_ALIASES: Record<KnownTargetCloud, Record<string, string>> = {
  aws: {},
  azure: {
    AZURE_CLIENT_ID: 'ARM_CLIENT_ID',
    AZURE_CLIENT_SECRET: 'ARM_CLIENT_SECRET',
    AZURE_TENANT_ID: 'ARM_TENANT_ID',
    AZURE_SUBSCRIPTION_ID: 'ARM_SUBSCRIPTION_ID',
  },
  gcp: {
    GCP_PROJECT_ID: 'GOOGLE_PROJECT',
    GCP_CREDENTIALS_FILE: 'GOOGLE_APPLICATION_CREDENTIALS',
  },
};

/**
 * Maps one cloud's credentials to the variables Terraform providers read (azurerm: `ARM_*`, google:
 * `GOOGLE_*`, aws: `AWS_*` as they are). Variables of other clouds are dropped; a provider-native name
 * already present (e.g. `ARM_CLIENT_ID`) wins over its alias.
 */
export function terraformCredentialEnv(cloud: TargetCloud, credentials: Record<string, string | undefined>): Record<string, string> {
  const own: Record<string, string> = {};
  // A cloud this executor knows nothing of gets no credentials rather than another cloud's.
  if (!Object.hasOwn(CLOUD_VARS, cloud)) return own;
  const known = cloud as KnownTargetCloud;
  for (const [k, v] of Object.entries(credentials)) if (v !== undefined && CLOUD_VARS[known].test(k)) own[k] = v;
  const out: Record<string, string> = { ...own };
  for (const [from, to] of Object.entries(CREDENTIAL_ALIASES[known])) {
    if (own[from] !== undefined && own[to] === undefined) out[to] = own[from];
  }
  return out;
}

export interface ChildEnvSettings {
  cloud: TargetCloud;
  /** `ctx.env`: the target cloud's credentials. */
  credentials: Record<string, string>;
  cliConfigFile?: string;
  pluginCacheDir?: string;
  /** `GOGC` of the CLI and its providers (default {@link TERRAFORM_DEFAULTS.goGc}). */
  goGc?: number | 'off';
  /** `GOMEMLIMIT` of the CLI and each provider (Go's soft heap limit, e.g. `2GiB`, or `off`); default a
   * quarter of this machine's memory. */
  goMemoryLimit?: string;
  /** Source of the allowlisted variables (default `process.env`). */
  parent?: Record<string, string | undefined>;
}

/**
 * The complete environment of a Terraform child: allowlisted parent variables, Terraform's automation
 * settings and the target cloud's credentials. Never the whole parent env, never `TF_LOG` (debug logs
 * can print request bodies with secrets), never another cloud's credentials.
 */
export function buildChildEnv(s: ChildEnvSettings): Record<string, string> {
  const parent = s.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const k of PARENT_ENV_ALLOWLIST) {
    const v = parent[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, terraformCredentialEnv(s.cloud, s.credentials));
  env.TF_IN_AUTOMATION = '1';
  env.TF_INPUT = '0';
  // No update check or usage ping to checkpoint-api.hashicorp.com from a deployment.
  env.CHECKPOINT_DISABLE = '1';
  if (s.cliConfigFile) env.TF_CLI_CONFIG_FILE = s.cliConfigFile;
  if (s.pluginCacheDir) env.TF_PLUGIN_CACHE_DIR = s.pluginCacheDir;
  // Terraform passes its environment on to the providers it starts: both collect garbage less often.
  env.GOGC = String(s.goGc ?? TERRAFORM_DEFAULTS.goGc);
  env.GOMEMLIMIT = s.goMemoryLimit ?? defaultGoMemoryLimit();
  return env;
}

/** Go's GC settings for Terraform's processes, checked once when the executor is made. */
export function goRuntimeOptions(o: { goGc?: number | 'off'; goMemoryLimit?: string }): Pick<ChildEnvSettings, 'goGc' | 'goMemoryLimit'> {
  if (o.goGc !== undefined && o.goGc !== 'off' && !(Number.isInteger(o.goGc) && o.goGc >= 1 && o.goGc <= 100_000)) {
    throw new ValidationError(`goGc must be a whole percentage from 1 to 100000, or 'off' (got ${String(o.goGc)})`, 'goGc');
  }
  if (o.goMemoryLimit !== undefined && !isGoMemoryLimit(o.goMemoryLimit)) {
    throw new ValidationError("goMemoryLimit must be a size from 64MiB to 1024TiB like 2GiB or 1536MiB, or 'off'", 'goMemoryLimit');
  }
  return { ...(o.goGc !== undefined ? { goGc: o.goGc } : {}), ...(o.goMemoryLimit ? { goMemoryLimit: o.goMemoryLimit } : {}) };
}

const UNIT: Record<string, number> = { '': 1, B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/**
 * Whether `v` is a `GOMEMLIMIT` Go accepts and that makes sense here: `off` (Go's default, no soft
 * limit), or a size from 64 MiB (below that Go would collect all the time) to 1024 TiB (Go refuses
 * sizes past 2^63 with a fatal error at the start of every process).
 */
export function isGoMemoryLimit(v: string): boolean {
  if (v === 'off') return true;
  const m = /^([1-9][0-9]{0,15})(B|KiB|MiB|GiB|TiB)?$/.exec(v);
  if (!m) return false;
  const bytes = Number(m[1]) * UNIT[m[2] ?? '']!;
  return bytes >= 64 * 2 ** 20 && bytes <= 2 ** 50;
}

/**
 * A quarter of this machine's memory: with `GOGC=400` a process may let its heap grow to five times what
 * it uses, so a very large state could otherwise take several times the memory it did at Go's default;
 * near this soft limit Go collects as often as needed instead.
 */
export function defaultGoMemoryLimit(): string {
  return `${Math.max(512, Math.floor(totalmem() / 4 / 2 ** 20))}MiB`;
}

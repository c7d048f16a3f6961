import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Parent variables a CLI may need that carry no credential: where programs are, locale, proxies. */
const PASSTHROUGH = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'SYSTEMROOT', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/**
 * Variables of the deployment that would make the CLI read files outside the private home: profiles and
 * config files. Credentials reach the CLI as env vars only, so the host's ~/.aws is never used.
 */
const DROPPED_AWS = new Set(['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']);

/**
 * Prepares a private HOME inside the work dir (mode 0700) with an empty AWS config and credentials file,
 * so nothing of the host's ~/.aws is read. Idempotent: apply may run in a fresh process.
 */
export function preparePrivateHome(workDir: string): string {
  const home = join(workDir, '.home');
  const aws = join(home, '.aws');
  mkdirSync(aws, { recursive: true, mode: 0o700 });
  writeFileSync(join(aws, 'config'), '', { mode: 0o600 });
  writeFileSync(join(aws, 'credentials'), '', { mode: 0o600 });
  return home;
}

/**
 * The child env of every `aws` call: an allowlist of the parent's non-secret variables, the deployment's
 * `AWS_*` variables (credentials, region, `AWS_ENDPOINT_URL`...), a private HOME and config, and the
 * settings that keep the CLI non-interactive. Never the whole `process.env`.
 */
export function buildChildEnv(
  credentials: Record<string, string>,
  home: string,
  parent: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSTHROUGH) {
    const v = parent[k];
    if (v !== undefined) env[k] = v;
  }
  // A pyenv-installed CLI (a shim script) finds its interpreter through these; they hold no secret.
  for (const k of ['PYENV_ROOT', 'PYENV_VERSION']) if (parent[k] !== undefined) env[k] = parent[k] as string;
  for (const [k, v] of Object.entries(credentials)) {
    if (k.startsWith('AWS_') && !DROPPED_AWS.has(k) && typeof v === 'string') env[k] = v;
  }
  // CLI v1 reads AWS_DEFAULT_REGION only; the spec configures AWS_REGION.
  if (!env.AWS_DEFAULT_REGION && env.AWS_REGION) env.AWS_DEFAULT_REGION = env.AWS_REGION;
  env.HOME = home;
  env.AWS_CONFIG_FILE = join(home, '.aws', 'config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(home, '.aws', 'credentials');
  env.AWS_PAGER = '';
  env.AWS_CLI_AUTO_PROMPT = 'off';
  // Python writes no .pyc files into the CLI's install and speaks UTF-8 whatever the locale.
  env.PYTHONDONTWRITEBYTECODE = '1';
  env.PYTHONIOENCODING = 'utf-8';
  return env;
}

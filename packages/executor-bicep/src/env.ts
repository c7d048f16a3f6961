/** Parent env vars a CLI may see: the basics of running a program and reaching the network. */
const PASSTHROUGH = [
  'PATH', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
  'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
] as const;

/** Azure CLI settings (read from `AZURE_<SECTION>_<NAME>` env vars) that keep it quiet and non-interactive. */
const AZ_SETTINGS: Record<string, string> = {
  AZURE_CORE_COLLECT_TELEMETRY: 'no',
  AZURE_CORE_NO_COLOR: 'true',
  AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
  AZURE_CORE_OUTPUT: 'json',
  AZURE_CORE_SURVEY_MESSAGE: 'no',
  AZURE_EXTENSION_USE_DYNAMIC_INSTALL: 'no',
  // Use a standalone `bicep` when one is on PATH instead of downloading one.
  AZURE_BICEP_USE_BINARY_FROM_PATH: 'if_found_in_ci',
  PYTHONIOENCODING: 'utf-8',
};

/**
 * The env of every `az` / `bicep` child: an allowlist of the parent env, az's settings, the caller's
 * extra non-secret settings and a private `AZURE_CONFIG_DIR` (where az keeps its login) and HOME.
 * Credentials are NOT in it: the client secret reaches `az login` only through stdin.
 */
export function buildChildEnv(opts: { configDir: string; extra?: Record<string, string>; parent?: NodeJS.ProcessEnv }): Record<string, string> {
  const parent = opts.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const k of PASSTHROUGH) {
    const v = parent[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, AZ_SETTINGS);
  for (const [k, v] of Object.entries(opts.extra ?? {})) {
    if (/SECRET|PASSWORD|TOKEN|CLIENT_ID|TENANT_ID|SUBSCRIPTION_ID/i.test(k)) continue; // never credentials
    env[k] = v;
  }
  env.AZURE_CONFIG_DIR = opts.configDir;
  env.HOME = opts.configDir;
  return env;
}

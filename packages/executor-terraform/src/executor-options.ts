import type { SandboxSetting } from '@iac-orchestrator/core';

/** Options of {@link TerraformExecutor}. The standalone service fills them from its environment. */
export interface TerraformExecutorOptions {
  /** CLI to run: `terraform` on PATH (default) or a path, e.g. an OpenTofu `tofu` binary. */
  binary?: string;
  /** `TERRAFORM_WORK_DIR`: root of the per-deployment work dirs the orchestrator creates. */
  workRoot?: string;
  /** `TF_CLI_CONFIG_FILE` given to every run (provider mirrors, credentials helpers). Unset: Terraform's default lookup. */
  cliConfigFile?: string;
  /** Shared provider plugin cache (`TF_PLUGIN_CACHE_DIR`). Default: `<workRoot>/.plugin-cache`, or one in the OS temp dir. */
  pluginCacheDir?: string;
  /** Grace after SIGINT before the process group is killed (default 30 s). */
  cancelGraceMs?: number;
  /** Largest state Terraform may write to the backend the runner serves (default 64 MiB); larger gets 413. */
  maxStateBytes?: number;
  /** Oldest CLI version accepted (default 1.4.0). */
  minVersion?: string;
  /** Keep work dirs after cleanup, for debugging (they hold state and plans in clear). */
  keepWorkDir?: boolean;
  /**
   * Where Terraform runs. Default: the orchestrator's choice (`ctx.sandbox`), else `auto` (bubblewrap
   * where it works). Set it to override the orchestrator for this executor.
   */
  sandbox?: SandboxSetting;
  /** More paths Terraform may read inside the sandbox (the CLI config file, the provider mirrors it names
   * and the plugin cache are added on their own). */
  readablePaths?: string[];
  /**
   * Runs a deployment that no person approves (approved in advance by the policy) as one
   * `terraform apply -auto-approve` process that plans and applies, instead of `plan -out` then `apply`
   * of the saved plan (default true: one provider start and one refresh fewer). Wherever an approval is
   * due, the saved plan that was shown is applied either way.
   */
  planAndApply?: boolean;
  /**
   * Keeps each stack's initialised data dir (`TF_DATA_DIR`) and lock file under `<workRoot>/.warm/` and
   * reuses it, without `init`, for the next run of the same stack from the same code, lock file, CLI, CLI
   * config and plugin cache (default true). Plan and apply get it read-only inside the sandbox. Bundles
   * with a backend of their own always run `init`.
   */
  reuseInit?: boolean;
  /** `GOGC` of Terraform and its providers: a percentage, or `'off'` (default 400, Go's own is 100). */
  goGc?: number | 'off';
  /** `GOMEMLIMIT` of Terraform and each provider, e.g. `'2GiB'`, or `'off'` (default: a quarter of the machine's memory). */
  goMemoryLimit?: string;
}

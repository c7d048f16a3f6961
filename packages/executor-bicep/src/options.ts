import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoSandbox, resolveSandbox, type ExecutorContext, type Sandbox, type SandboxSetting } from '@iac-orchestrator/core';

/** ARM deployment modes: Incremental leaves resources absent from the template alone; Complete deletes them. */
export type DeploymentMode = 'Incremental' | 'Complete';

/** How the executor signs `az` in for each deployment. */
export type AzureLogin = 'service-principal' | 'managed-identity';

/**
 * Options of {@link BicepExecutor}. The standalone service builds them from env vars
 * (`BICEP_WORK_DIR` → `workRoot`, `AZURE_LOCATION` → `location`...).
 */
export interface BicepExecutorOptions {
  /** The Azure CLI. Default `az` (found on PATH). */
  azBinary?: string;
  /** The standalone Bicep CLI. Default: `bicep` when it is on PATH, else `az bicep build` compiles. */
  bicepBinary?: string;
  /** Root of the per-deployment work dirs (`BICEP_WORK_DIR`). */
  workRoot?: string;
  /** How often a running deployment and its operations are read. Default 5 s. */
  pollIntervalMs?: number;
  /** Region of resource groups this executor creates (`--location`), unless a deployment names one. */
  location?: string;
  /** Create the target resource group when it does not exist. Default false: a missing group fails the plan. */
  createResourceGroup?: boolean;
  /** Resource group of every deployment, unless a deployment names one; default is the naming convention. */
  resourceGroup?: string;
  /** Prefix of the convention `<prefix>-<blueprintId>-<environment>`. Default `rg`. */
  resourceGroupPrefix?: string;
  /** Prefix of deployment names `<prefix>-<deploymentId>`. Default `iac`. */
  deploymentNamePrefix?: string;
  /** Default deployment mode. Default `Incremental`. */
  mode?: DeploymentMode;
  /** How `az` signs in. Default `service-principal` (AZURE_CLIENT_ID / AZURE_CLIENT_SECRET / AZURE_TENANT_ID). */
  login?: AzureLogin;
  /** After a cancel or timeout, how long to wait for ARM to settle the deployment. Default 120 s. */
  cancelGraceMs?: number;
  /** Upper bound of one `az` call (a stuck CLI is killed). Default 10 min. */
  commandTimeoutMs?: number;
  /** Credential-free config dir for `az bicep build`, where az caches the Bicep binary it downloads.
   * Default `<workRoot or tmpdir>/.az-bicep-tool`. */
  toolConfigDir?: string;
  /** Extra non-secret env for the CLIs (proxies, `AZURE_CORE_*` settings). Never credentials. */
  env?: Record<string, string>;
  /** Where every `az` / `bicep` process runs. Default: the orchestrator's (`ctx.sandbox`), else `auto`. */
  sandbox?: SandboxSetting;
  /** More paths the CLIs may read inside the sandbox (e.g. a stand-in's fixtures). */
  readablePaths?: string[];
  /** More paths the CLIs may write inside the sandbox besides the deployment's work dir. */
  writablePaths?: string[];
}

/** Every default in one place. */
export const DEFAULTS = {
  azBinary: 'az',
  pollIntervalMs: 5_000,
  createResourceGroup: false,
  resourceGroupPrefix: 'rg',
  deploymentNamePrefix: 'iac',
  mode: 'Incremental' as DeploymentMode,
  login: 'service-principal' as AzureLogin,
  cancelGraceMs: 120_000,
  commandTimeoutMs: 600_000,
  /** Entry files looked for in a bundle, in order. */
  bicepEntry: 'main.bicep',
  armEntry: 'main.json',
} as const;

export type ResolvedOptions = Required<Omit<BicepExecutorOptions, 'bicepBinary' | 'workRoot' | 'location' | 'resourceGroup' | 'env' | 'sandbox'>> &
  Pick<BicepExecutorOptions, 'bicepBinary' | 'workRoot' | 'location' | 'resourceGroup'> & {
    env: Record<string, string>;
    /** The executor's own sandbox option, else the orchestrator's (`ctx.sandbox`), else `auto`. */
    sandbox: (ctx?: ExecutorContext) => Promise<Sandbox>;
  };

export function resolveOptions(o: BicepExecutorOptions = {}): ResolvedOptions {
  return {
    azBinary: o.azBinary ?? DEFAULTS.azBinary,
    bicepBinary: o.bicepBinary,
    workRoot: o.workRoot,
    pollIntervalMs: o.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    location: o.location,
    createResourceGroup: o.createResourceGroup ?? DEFAULTS.createResourceGroup,
    resourceGroup: o.resourceGroup,
    resourceGroupPrefix: o.resourceGroupPrefix ?? DEFAULTS.resourceGroupPrefix,
    deploymentNamePrefix: o.deploymentNamePrefix ?? DEFAULTS.deploymentNamePrefix,
    mode: o.mode ?? DEFAULTS.mode,
    login: o.login ?? DEFAULTS.login,
    cancelGraceMs: o.cancelGraceMs ?? DEFAULTS.cancelGraceMs,
    commandTimeoutMs: o.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    toolConfigDir: o.toolConfigDir ?? join(o.workRoot ?? tmpdir(), '.az-bicep-tool'),
    env: { ...(o.env ?? {}) },
    readablePaths: [...(o.readablePaths ?? [])],
    writablePaths: [...(o.writablePaths ?? [])],
    sandbox: sandboxChooser(o.sandbox),
  };
}

function sandboxChooser(setting: SandboxSetting | undefined): (ctx?: ExecutorContext) => Promise<Sandbox> {
  let own: Promise<Sandbox> | undefined;
  return (ctx) => {
    if (setting !== undefined) return (own ??= resolveSandbox(setting));
    return ctx?.sandbox ? Promise.resolve(ctx.sandbox) : autoSandbox();
  };
}

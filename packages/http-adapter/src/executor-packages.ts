import type { Executor, KnownFormat } from '@iac-orchestrator/core';
import type { ServiceConfig } from './config.js';

/**
 * The executor packages the service knows, by format. They are optional peer dependencies: a
 * Terraform-only installation installs `@iac-orchestrator/executor-terraform` and nothing else.
 */
export const EXECUTOR_PACKAGES: Record<KnownFormat, string> = {
  terraform: '@iac-orchestrator/executor-terraform',
  cloudformation: '@iac-orchestrator/executor-cloudformation',
  bicep: '@iac-orchestrator/executor-bicep',
};

/** Raised when a configured executor's package is not installed; the message says what to install. */
export class MissingExecutorPackageError extends Error {
  override readonly name = 'MissingExecutorPackageError';
}

type Loader = (name: string) => Promise<unknown>;
type ExecutorClass = new (options: Record<string, unknown>) => Executor;

const EXPORT_BY_FORMAT: Record<KnownFormat, string> = { terraform: 'TerraformExecutor', cloudformation: 'CloudFormationExecutor', bicep: 'BicepExecutor' };

function optionsFor(format: KnownFormat, config: ServiceConfig): Record<string, unknown> {
  if (format === 'terraform') return { binary: config.terraform.binary, workRoot: config.terraform.workRoot, cliConfigFile: config.terraform.cliConfigFile, pluginCacheDir: config.terraform.pluginCacheDir, planAndApply: config.terraform.planAndApply, reuseInit: config.terraform.reuseInit, goGc: config.terraform.goGc, goMemoryLimit: config.terraform.goMemoryLimit };
  if (format === 'cloudformation') return { binary: config.cloudformation.binary, workRoot: config.cloudformation.workRoot };
  return { azBinary: config.bicep.azBinary, workRoot: config.bicep.workRoot };
}

const notInstalled = (e: unknown) => {
  const code = (e as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String((e as Error).message));
};

/**
 * The executors of the service, each loaded from its package only when it is used. With
 * `ORCHESTRATOR_EXECUTORS` set (`terraform,bicep`), each one named must be installed; without it, every
 * executor package that is installed is used, and at least one must be.
 */
export async function createExecutors(config: ServiceConfig, load: Loader = (n) => import(n)): Promise<Executor[]> {
  const wanted = config.executors ?? (Object.keys(EXECUTOR_PACKAGES) as KnownFormat[]);
  const executors: Executor[] = [];
  for (const format of wanted) {
    const name = EXECUTOR_PACKAGES[format];
    let mod: Record<string, unknown>;
    try {
      mod = (await load(name)) as Record<string, unknown>;
    } catch (e) {
      if (!notInstalled(e)) throw e;
      if (config.executors) throw new MissingExecutorPackageError(`ORCHESTRATOR_EXECUTORS names ${format}: install ${name} (npm install ${name})`);
      continue;
    }
    const Class = mod[EXPORT_BY_FORMAT[format]];
    if (typeof Class !== 'function') throw new MissingExecutorPackageError(`${name} has no ${EXPORT_BY_FORMAT[format]}: install a matching version of ${name}`);
    executors.push(new (Class as ExecutorClass)(optionsFor(format, config)));
  }
  if (executors.length === 0) {
    const all = Object.values(EXECUTOR_PACKAGES);
    throw new MissingExecutorPackageError(`No executor package is installed: install at least one of ${all.join(', ')} (e.g. npm install ${all[0]})`);
  }
  return executors;
}

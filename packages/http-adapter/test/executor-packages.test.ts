import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createExecutors, EXECUTOR_PACKAGES, MissingExecutorPackageError } from '../src/executor-packages.js';

/**
 * The executors are optional peer dependencies, loaded only when used. "Not installed" is simulated by
 * importing a package name that really does not exist, so the error is Node's own ERR_MODULE_NOT_FOUND.
 */
const onlyInstalled = (...installed: string[]) => (name: string) => import(installed.includes(name) ? name : `${name}-not-installed`);

describe('executor packages', () => {
  it('are optional peer dependencies of the http-adapter', async () => {
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as unknown as Record<string, Record<string, unknown> | undefined>;
    for (const name of Object.values(EXECUTOR_PACKAGES)) {
      expect(pkg.dependencies?.[name], name).toBeUndefined();
      expect(pkg.peerDependencies?.[name], name).toBeDefined();
      expect(pkg.peerDependenciesMeta?.[name], name).toEqual({ optional: true });
    }
  });

  it('without ORCHESTRATOR_EXECUTORS, every installed one is used (a Terraform-only install gets terraform)', async () => {
    const config = loadConfig({});
    const executors = await createExecutors(config, onlyInstalled(EXECUTOR_PACKAGES.terraform));
    expect(executors.map((e) => e.format)).toEqual(['terraform']);
    expect((await createExecutors(config)).map((e) => e.format).sort()).toEqual(['bicep', 'cloudformation', 'terraform']);
  });

  it('a configured executor that is not installed is a clear error naming its package', async () => {
    const config = loadConfig({ ORCHESTRATOR_EXECUTORS: 'terraform,bicep' });
    const err = await createExecutors(config, onlyInstalled(EXECUTOR_PACKAGES.terraform)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingExecutorPackageError);
    expect((err as Error).message).toBe('ORCHESTRATOR_EXECUTORS names bicep: install @iac-orchestrator/executor-bicep (npm install @iac-orchestrator/executor-bicep)');
  });

  it('none installed is an error listing what to install; an unknown name is a config error', async () => {
    const err = await createExecutors(loadConfig({}), onlyInstalled()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingExecutorPackageError);
    expect((err as Error).message).toMatch(/^No executor package is installed: install at least one of @iac-orchestrator\/executor-terraform, /);
    expect(() => loadConfig({ ORCHESTRATOR_EXECUTORS: 'terraform,pulumi' })).toThrow(/ORCHESTRATOR_EXECUTORS/);
  });

  it('TERRAFORM_PLAN_AND_APPLY: auto-approved terraform runs plan and apply in one process unless turned off', async () => {
    expect(loadConfig({}).terraform.planAndApply).toBe(true);
    expect(loadConfig({ TERRAFORM_PLAN_AND_APPLY: 'false' }).terraform.planAndApply).toBe(false);
    expect(() => loadConfig({ TERRAFORM_PLAN_AND_APPLY: 'maybe' })).toThrow(/TERRAFORM_PLAN_AND_APPLY/);
    const [on] = await createExecutors(loadConfig({ ORCHESTRATOR_EXECUTORS: 'terraform' }));
    const [off] = await createExecutors(loadConfig({ ORCHESTRATOR_EXECUTORS: 'terraform', TERRAFORM_PLAN_AND_APPLY: '0' }));
    expect(typeof on!.planAndApply).toBe('function');
    expect(off!.planAndApply).toBeUndefined();
  });

  it('TERRAFORM_GOGC / TERRAFORM_GOMEMLIMIT: Go GC settings of terraform, checked at start', async () => {
    expect(loadConfig({}).terraform.goGc).toBeUndefined();
    expect(loadConfig({ TERRAFORM_GOGC: '200', TERRAFORM_GOMEMLIMIT: '2GiB' }).terraform).toMatchObject({ goGc: 200, goMemoryLimit: '2GiB' });
    expect(loadConfig({ TERRAFORM_GOGC: 'off' }).terraform.goGc).toBe('off');
    expect(() => loadConfig({ TERRAFORM_GOGC: '0' })).toThrow(/TERRAFORM_GOGC/);
    expect(() => loadConfig({ TERRAFORM_GOGC: 'fast' })).toThrow(/TERRAFORM_GOGC/);
    expect(() => loadConfig({ TERRAFORM_GOMEMLIMIT: '2 gigs' })).toThrow(/TERRAFORM_GOMEMLIMIT/);
    expect(() => loadConfig({ TERRAFORM_GOMEMLIMIT: '99999999999999999999TiB' })).toThrow(/TERRAFORM_GOMEMLIMIT/);
    expect(() => loadConfig({ TERRAFORM_GOMEMLIMIT: '1B' })).toThrow(/TERRAFORM_GOMEMLIMIT/);
    expect(loadConfig({ TERRAFORM_GOMEMLIMIT: 'off' }).terraform.goMemoryLimit).toBe('off');
    const [tf] = await createExecutors(loadConfig({ ORCHESTRATOR_EXECUTORS: 'terraform', TERRAFORM_GOGC: 'off', TERRAFORM_GOMEMLIMIT: '1536MiB' }));
    expect(tf!.name).toBe('terraform');
  });

  it('TERRAFORM_REUSE_INIT: a redeploy reuses its stack\'s initialised data dir unless turned off', async () => {
    expect(loadConfig({}).terraform.reuseInit).toBe(true);
    expect(loadConfig({ TERRAFORM_REUSE_INIT: 'no' }).terraform.reuseInit).toBe(false);
    expect(() => loadConfig({ TERRAFORM_REUSE_INIT: 'sometimes' })).toThrow(/TERRAFORM_REUSE_INIT/);
    const [on] = await createExecutors(loadConfig({ ORCHESTRATOR_EXECUTORS: 'terraform' }));
    const [off] = await createExecutors(loadConfig({ ORCHESTRATOR_EXECUTORS: 'terraform', TERRAFORM_REUSE_INIT: 'false' }));
    expect((on as unknown as { reuseInit: boolean }).reuseInit).toBe(true);
    expect((off as unknown as { reuseInit: boolean }).reuseInit).toBe(false);
  });
});

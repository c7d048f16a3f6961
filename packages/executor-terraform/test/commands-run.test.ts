/**
 * Which terraform processes a deployment costs: real terraform behind a recording wrapper (a small Node
 * program named `terraform` that appends its argv to a file, then runs the real CLI with the same argv
 * and stdio). A plan then apply in the same work dir is `init`, `plan`, `apply`: no `show -json` (the
 * summary comes from the plan's stream), no second `init`; `-parallelism` reaches both plan and apply.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { deployOnce, hasTerraform, loadFixture, makeContext, testBed } from './helpers.js';

const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH');

describe.skipIf(!ok)('terraform processes per deployment (real terraform, recorded argv)', () => {
  let bed: Awaited<ReturnType<typeof testBed>>;
  let log = '';
  const commands = async () => {
    const lines = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    await writeFile(log, '');
    return lines.map((l) => JSON.parse(l) as string[]);
  };
  let binDir = '';
  let wrapper = '';
  beforeAll(async () => {
    binDir = await mkdtemp(join(tmpdir(), 'tf-argv-'));
    log = join(binDir, 'argv.log');
    wrapper = join(binDir, 'terraform');
    await writeFile(
      wrapper,
      `#!${process.execPath}\n` +
        `const { appendFileSync } = require('node:fs');\nconst { spawnSync } = require('node:child_process');\n` +
        `appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n` +
        `const r = spawnSync(${JSON.stringify(findCommand('terraform'))}, process.argv.slice(2), { stdio: 'inherit' });\n` +
        `process.exit(r.status ?? 1);\n`,
    );
    await chmod(wrapper, 0o755);
    // Outside the sandbox: the wrapper writes its record outside the work dir, which the sandbox forbids
    // (the argv are the same either way).
    bed = await testBed({ binary: wrapper, sandbox: 'none' });
  });
  afterAll(async () => {
    await bed?.dispose();
    if (binDir) await rm(binDir, { recursive: true, force: true });
  });

  it('plan then apply in one work dir: init, plan, apply; -parallelism on both', { timeout: 120_000 }, async () => {
    const bundle = await loadFixture('basic');
    await deployOnce(bed, { bundle, variables: { db_password: 'pw-0123456789' }, parallelism: 3 }); // also probes the version once
    const run = await commands();
    expect(run.map((argv) => argv[0])).toEqual(['version', 'init', 'plan', 'apply']);
    expect(run[2]).toContain('-parallelism=3');
    expect(run[3]).toContain('-parallelism=3');
  });

  it('a redeploy of unchanged code reuses the stack\'s initialised data dir: plan, apply, no init', { timeout: 120_000 }, async () => {
    const bundle = await loadFixture('basic');
    await deployOnce(bed, { bundle, variables: { db_password: 'pw-0123456789' }, stack: { blueprintId: 'redeploy' } });
    await commands();
    await deployOnce(bed, { bundle, variables: { db_password: 'pw-0123456789' }, stack: { blueprintId: 'redeploy' } });
    expect((await commands()).map((argv) => argv[0])).toEqual(['plan', 'apply']);
  });

  it('apply in a fresh work dir (another runner): apply only, from the stack\'s initialised data dir (no init, no plan, no show)', { timeout: 120_000 }, async () => {
    const bundle = await loadFixture('basic');
    const planCtx = makeContext({ bundle, workDir: await bed.workDir(), variables: { db_password: 'pw-0123456789' } });
    const plan = await bed.executor.plan(planCtx);
    await bed.executor.cleanup(planCtx);
    await commands();
    const applyCtx = makeContext({ bundle, workDir: await bed.workDir() });
    expect((await bed.executor.apply(applyCtx, plan)).outcome).toBe('succeeded');
    const run = await commands();
    expect(run.map((argv) => argv[0])).toEqual(['apply']);
    // Without reuse (or another stack): one init, then apply.
    const cold = await testBed({ binary: wrapper, sandbox: 'none', reuseInit: false });
    try {
      const planCold = makeContext({ bundle, workDir: await cold.workDir(), variables: { db_password: 'pw-0123456789' } });
      const coldPlan = await cold.executor.plan(planCold);
      await commands();
      const applyCold = makeContext({ bundle, workDir: await cold.workDir() });
      expect((await cold.executor.apply(applyCold, coldPlan)).outcome).toBe('succeeded');
      expect((await commands()).map((argv) => argv[0])).toEqual(['init', 'apply']);
    } finally {
      await cold.dispose();
    }
  });
});

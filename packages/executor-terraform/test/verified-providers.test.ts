import { appendFile, chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockWithoutHashes, providerIdentities, unchangedSinceInit } from '../src/verified-providers.js';

const LOCK = `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.100.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",
    "zh:0a6bd3c4e2b5bd1c4c3b9b1a9f3c1e0a6bd3c4e2b5bd1c4c3b9b1a9f3c1e0a6b",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version = "3.6.0"
  hashes  = ["h1:R5Ucn26riKIEijcsiOMBR3uOAjuOMfI1x7XvH4P6B1w="]
}
`;

describe('the lock file a verified data dir runs with', () => {
  it('keeps every provider, version and constraint, and drops only the hashes', () => {
    const out = lockWithoutHashes(LOCK)!;
    expect(out).not.toMatch(/h1:|zh:|hashes/);
    expect(out).toContain('provider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.100.0"\n  constraints = "~> 5.0"\n}');
    expect(out).toContain('provider "registry.terraform.io/hashicorp/random" {\n  version = "3.6.0"\n}');
  });

  it('gives up (null: Terraform checks as usual) when a hash would be left behind', () => {
    expect(lockWithoutHashes(LOCK.replace('  hashes  = ["h1:R5U', '  hashes  = [ # ]\n "h1:R5U'))).toBeNull();
    expect(lockWithoutHashes('provider "x" { version = "1.0.0" hashes = ["h1:abc="] }\n')).toBeNull();
  });
});

describe('provider packages unchanged since the init that checked them', () => {
  let dir: string;
  let pkg: string;
  let dataDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verified-'));
    pkg = join(dir, 'cache/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'terraform-provider-aws_v5.100.0_x5'), 'provider binary', { mode: 0o755 });
    await writeFile(join(pkg, 'LICENSE.txt'), 'license');
    dataDir = join(dir, 'data');
    await mkdir(join(dataDir, 'providers/registry.terraform.io/hashicorp/aws/5.100.0'), { recursive: true });
    await symlink(pkg, join(dataDir, 'providers/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('records the link, the package dir and each of its files', async () => {
    const ids = await providerIdentities(dataDir);
    expect(ids.map((i) => i.path)).toEqual([
      join(dataDir, 'providers/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64'),
      pkg,
      join(pkg, 'LICENSE.txt'),
      join(pkg, 'terraform-provider-aws_v5.100.0_x5'),
    ]);
    expect(await unchangedSinceInit(ids)).toBe(true);
    expect(await providerIdentities(join(dir, 'no-such-dir'))).toEqual([]);
  });

  it.each([
    ['a byte appended to the binary', (p: string) => appendFile(join(p, 'terraform-provider-aws_v5.100.0_x5'), 'x')],
    ['a chmod of the binary', (p: string) => chmod(join(p, 'terraform-provider-aws_v5.100.0_x5'), 0o777)],
    ['a file added to the package', (p: string) => writeFile(join(p, 'extra'), '')],
    ['the binary replaced by another file', async (p: string) => (await rm(join(p, 'terraform-provider-aws_v5.100.0_x5')), await writeFile(join(p, 'terraform-provider-aws_v5.100.0_x5'), 'provider binary', { mode: 0o755 }))],
    ['the package removed', (p: string) => rm(p, { recursive: true })],
  ])('notices %s', async (_what, change) => {
    const ids = await providerIdentities(dataDir);
    await change(pkg);
    expect(await unchangedSinceInit(ids)).toBe(false);
  });

  it('notices the link pointed elsewhere', async () => {
    const ids = await providerIdentities(dataDir);
    const link = join(dataDir, 'providers/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64');
    await rm(link);
    await symlink(pkg, link);
    expect(await unchangedSinceInit(ids)).toBe(false);
  });
});

/**
 * The warm build's own checks on a real file system (no terraform needed): only a complete, untouched
 * build made for the same key, whose links resolve, is used; a work dir's record of its build is accepted
 * only inside its own stack's warm dir.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findWarm, newBuild, promoteBuild, recordBuild, recordedBuild, retireStack, stackWarmDir, sweepWarm, warmKey } from '../src/warm-init.js';

let root = '';
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A fresh root with a plugin cache holding one "provider" the builds link to. */
async function withCache(): Promise<void> {
  root = await mkdtemp(join(tmpdir(), 'warm-build-'));
  await mkdir(join(root, 'cache'));
  await writeFile(join(root, 'cache', 'provider'), 'binary');
}

async function built(stack: string, key = 'k1', lock = 'lock-1') {
  const stackDir = stackWarmDir(join(root, '.warm'), stack);
  const b = await newBuild(stackDir);
  await writeFile(join(b.dataDir, 'terraform.tfstate'), '{"backend":{"type":"http"}}');
  await mkdir(join(b.dataDir, 'providers'));
  await symlink(join(root, 'cache', 'provider'), join(b.dataDir, 'providers', 'p'));
  return { stackDir, ...b, promote: () => promoteBuild(stackDir, b.buildDir, key, lock) };
}

describe('warm build checks', () => {
  it('uses a promoted build only for its key and lock file, never an unfinished, changed or dangling one', async () => {
    await withCache();
    const a = await built('stack-a');
    expect(await findWarm(a.stackDir, 'k1', null)).toBeNull(); // not promoted: no current.json, no marker
    await a.promote();
    expect((await findWarm(a.stackDir, 'k1', null))?.dataDir).toBe(a.dataDir);
    expect((await findWarm(a.stackDir, 'k1', 'lock-1'))?.lockFile).toBe('lock-1');
    expect(await findWarm(a.stackDir, 'k2', null)).toBeNull();
    expect(await findWarm(a.stackDir, 'k1', 'another lock')).toBeNull();

    // A second build of the stack replaces the first; an unfinished one (a crashed builder) is never used.
    const b = await built('stack-a');
    const crashed = await newBuild(a.stackDir);
    await b.promote();
    expect((await findWarm(a.stackDir, 'k1', null))?.buildDir).toBe(b.buildDir);
    // The replaced build is marked superseded and kept for an hour (a drift check, which holds no stack
    // lock, may still be using it); a young unfinished one stays (it may be a concurrent builder's) unused.
    expect(existsSync(join(a.buildDir, 'superseded'))).toBe(true);
    expect(existsSync(crashed.buildDir)).toBe(true);
    // An hour later, the next promotion removes it.
    const hourAgo = new Date(Date.now() - 61 * 60_000);
    await utimes(join(a.buildDir, 'superseded'), hourAgo, hourAgo);
    const c = await built('stack-a');
    await c.promote();
    expect(existsSync(a.buildDir)).toBe(false);
    expect(existsSync(b.buildDir)).toBe(true);
    expect((await findWarm(a.stackDir, 'k1', null))?.buildDir).toBe(c.buildDir);

    // Changed after the marker: a file, the lock file, or a link that no longer resolves.
    await writeFile(join(c.dataDir, 'terraform.tfstate'), '{}');
    expect(await findWarm(a.stackDir, 'k1', null)).toBeNull();
    await writeFile(join(c.dataDir, 'terraform.tfstate'), '{"backend":{"type":"http"}}');
    expect(await findWarm(a.stackDir, 'k1', null)).not.toBeNull();
    await rm(join(root, 'cache', 'provider'));
    expect(await findWarm(a.stackDir, 'k1', null)).toBeNull();
  });

  it('retires a destroyed stack\'s builds, and the sweep removes them an hour later, then the stack dir', async () => {
    await withCache();
    const a = await built('stack-a');
    await a.promote();
    const live = await built('stack-b');
    await live.promote();
    await retireStack(a.stackDir);
    expect(await findWarm(a.stackDir, 'k1', null)).toBeNull();
    expect(existsSync(join(a.buildDir, 'superseded'))).toBe(true);
    const warmRoot = dirname(a.stackDir);
    await sweepWarm(warmRoot);
    expect(existsSync(a.buildDir)).toBe(true); // a drift check may still be using it
    const hourAgo = new Date(Date.now() - 61 * 60_000);
    await utimes(join(a.buildDir, 'superseded'), hourAgo, hourAgo);
    await sweepWarm(warmRoot);
    expect(existsSync(a.stackDir)).toBe(false);
    // A stack with a current build is left to its own promotions.
    expect((await findWarm(live.stackDir, 'k1', null))?.buildDir).toBe(live.buildDir);
  });

  it('keys on what init depends on, and keeps stacks apart', async () => {
    root = await mkdtemp(join(tmpdir(), 'warm-build-'));
    const cfg = join(root, 'rc');
    await writeFile(cfg, 'a');
    const base = { bundleDigest: 'd1', binary: 'terraform', binaryVersion: '1.11.4', cliConfigFile: cfg, pluginCacheDir: '/cache', backend: false };
    const k = await warmKey(base);
    expect(await warmKey(base)).toBe(k);
    for (const change of [{ bundleDigest: 'd2' }, { binaryVersion: '1.11.5' }, { binary: '/bin/true' }, { pluginCacheDir: '/other' }, { backend: true }]) {
      expect(await warmKey({ ...base, ...change })).not.toBe(k);
    }
    await writeFile(cfg, 'b');
    expect(await warmKey(base)).not.toBe(k);
    expect(stackWarmDir('/w', 'a|dev|aws|terraform')).not.toBe(stackWarmDir('/w', 'b|dev|aws|terraform'));
  });

  it('accepts a work dir\'s record only for a complete build of its own stack', async () => {
    await withCache();
    const a = await built('stack-a');
    await a.promote();
    const other = await built('stack-b');
    await other.promote();
    const workDir = join(root, 'dep-1');
    await mkdir(workDir);
    expect(await recordedBuild(workDir, a.stackDir, 'k1')).toBeUndefined();
    await recordBuild(workDir, { buildDir: a.buildDir });
    expect((await recordedBuild(workDir, a.stackDir, 'k1'))?.buildDir).toBe(a.buildDir);
    // A build of this stack made from other inputs (older code) is not the one this run may attach to.
    expect(await recordedBuild(workDir, a.stackDir, 'k2')).toBeNull();
    // Hostile code rewrote the record: another stack's build, or any other path.
    for (const buildDir of [other.buildDir, '/etc', join(a.stackDir, '..', 'x')]) {
      await writeFile(join(workDir, 'warm-init.json'), JSON.stringify({ buildDir }));
      expect(await recordedBuild(workDir, a.stackDir, 'k1')).toBeNull();
    }
  });
});

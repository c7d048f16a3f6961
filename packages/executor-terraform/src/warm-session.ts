import { join } from 'node:path';
import type { TrustRecord } from './provider-trust.js';
import type { TerraformSession } from './session.js';
import { writeRunnerFile } from './tool-files.js';
import { findWarm, newBuild, promoteBuild, recordBuild, recordedBuild, recordTrust, stackWarmDir, warmKey, type WarmBuild } from './warm-init.js';

/** The outcome of looking for a warm data dir: reused (no init), or a new build for this init to fill
 * (none when the caller may not build one: then init runs in the work dir's own data dir). */
export type WarmPrep = { reused: true } | { reused: false; build: { buildDir: string; dataDir: string } | null; stackDir: string; key: string };

const LOCK_FILE = '.terraform.lock.hcl';

/** The reuse key of this session's inputs (see `warmKey`). */
function keyOf(s: TerraformSession): Promise<string> {
  return warmKey({
    bundleDigest: s.ctx.bundle.digest,
    binary: s.cfg.binary,
    backend: s.backend,
    ...(s.cfg.cliVersion ? { binaryVersion: s.cfg.cliVersion } : {}),
    ...(s.cfg.cliConfigFile ? { cliConfigFile: s.cfg.cliConfigFile } : {}),
    ...(s.cfg.pluginCacheDir ? { pluginCacheDir: s.cfg.pluginCacheDir } : {}),
  });
}

/**
 * Before `init`: reuses the stack's warm data dir when it was built from the same inputs (then the session
 * runs no init), else points the session at a new build that the coming init fills (`build: false`: none).
 */
export async function prepareWarm(s: TerraformSession, warmRoot: string, lockFile: string | null, opts: { build: boolean }): Promise<WarmPrep> {
  const stackDir = stackWarmDir(warmRoot, s.ctx.stackKey);
  const key = await keyOf(s);
  const found = await findWarm(stackDir, key, lockFile);
  if (found) {
    s.useDataDir(found);
    // The caller's lock file is already in place (and is part of the key); else the one init produced.
    if (!lockFile && found.lockFile) await writeRunnerFile(join(s.layout.stackDir, LOCK_FILE), found.lockFile);
    await recordBuild(s.ctx.workDir, found);
    s.ctx.emit({ type: 'log', level: 'info', message: 'Reusing the initialised Terraform working directory of this stack (no init): same code, lock file, CLI and settings', resource: null });
    return { reused: true };
  }
  if (!opts.build) {
    await recordBuild(s.ctx.workDir, null);
    return { reused: false, build: null, stackDir, key };
  }
  const build = await newBuild(stackDir);
  s.useDataDir(build);
  return { reused: false, build, stackDir, key };
}

/** After a successful `init` into a new build: seals it as the stack's current one, with the lock file
 * read right after that init, and returns it as a usable build (null when sealing failed: that only costs
 * the reuse; this run goes on with the build, and an unsealed build is never used by another). */
export async function promoteWarm(s: TerraformSession, w: { build: { buildDir: string; dataDir: string }; stackDir: string; key: string }, lockFile: string): Promise<WarmBuild | null> {
  // Recorded either way: an unsealed build is refused on resume, and the saved plan's apply prepares again.
  await recordBuild(s.ctx.workDir, w.build);
  return promoteBuild(w.stackDir, w.build.buildDir, w.key, lockFile).then(
    () => ({ ...w.build, lockFile, trust: null }),
    () => null,
  );
}

/** Pins, in the session's build, the provider packages Terraform just verified (see provider-trust.ts). */
export async function pinTrust(s: TerraformSession, build: WarmBuild, record: TrustRecord): Promise<boolean> {
  return recordTrust(build, await keyOf(s), record).catch(() => false);
}

/**
 * Reattaches the session to the build its work dir was prepared with; false when it is gone or changed,
 * or was not made from this session's inputs (the record lies in the work dir, which user code can write).
 */
export async function resumeWarm(s: TerraformSession, warmRoot: string): Promise<boolean> {
  const build = await recordedBuild(s.ctx.workDir, stackWarmDir(warmRoot, s.ctx.stackKey), await keyOf(s));
  if (build === null) return false;
  if (build) s.useDataDir(build);
  return true;
}

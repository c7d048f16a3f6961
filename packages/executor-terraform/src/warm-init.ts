import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, realpath, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { TrustRecord } from './provider-trust.js';
import { readToolFile, writeRunnerFile } from './tool-files.js';

/**
 * Reuse of a stack's initialised Terraform data dir (`TF_DATA_DIR`), so that a redeploy of unchanged code
 * skips `terraform init` (most of whose time is hashing provider binaries against the lock file).
 *
 * Layout: `<workRoot>/.warm/<sha256(stack key), 128 bits>/` holds the stack's builds `b-<time>-<random>/` (each with
 * `data/` = the data dir, `lock.hcl` = the lock file init left, `complete.json` = written last) and
 * `current.json`, replaced by rename, naming the build in use. A build is never moved after its init (the
 * data dir records absolute module paths), so "rename into place" is the rename of `current.json`. Only
 * the init that builds it may write a build; every other run gets it read-only inside the sandbox.
 */

/**
 * What `init` depends on: a build is reused only when all of it is the same. The lock file a caller gives
 * (`init -lockfile=readonly`, the saved plan's on another runner) is not in the key but must equal the
 * build's own (see `findWarm`): init from that lock file would produce the very same data dir.
 */
export interface WarmInputs {
  bundleDigest: string;
  binary: string;
  binaryVersion?: string;
  cliConfigFile?: string;
  pluginCacheDir?: string;
  /** Whether the bundle declares its own backend (such bundles are never warmed, see `warmable`). */
  backend: boolean;
}

/** A usable build: its data dir, the dir to bind read-only, the lock file init produced, and the record
 * of its provider packages as Terraform verified them (null until a run pinned them). */
export interface WarmBuild {
  buildDir: string;
  dataDir: string;
  lockFile: string;
  trust: TrustRecord | null;
}

interface Complete {
  key: string;
  digest: string;
}

const BIG_FILE = 1024 * 1024;
const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
/** `b-<ms since epoch, base 36>-<random>`: short, since TF_DATA_DIR shows up in every child's env. */
const BUILD_NAME = /^b-[0-9a-z]{1,12}-[0-9a-f]{8}$/;
/** An unfinished build this old is a crashed builder's, and a build replaced this long ago is no longer
 * used by any run: either is removed when the next build is promoted. */
const STALE_BUILD_MS = 60 * 60_000;
/** Marker a build gets when another replaces it as the stack's current one (its mtime is when). */
const SUPERSEDED = 'superseded';
/** Where a work dir records the build it was prepared with (read back by the apply of its saved plan). */
const REF_FILE = 'warm-init.json';
/** A build's record of its verified provider packages (absent when they were not all verified). */
const TRUST_FILE = 'providers.json';

/** The dir holding one stack's builds: never shared between stacks. */
export function stackWarmDir(warmRoot: string, stackKey: string): string {
  return join(warmRoot, sha256(`stack:${stackKey}`).slice(0, 32));
}

/** Only bundles on the served HTTP backend are warmed: an own backend's init talks to that backend. */
export function warmable(inputs: Pick<WarmInputs, 'backend'>): boolean {
  return !inputs.backend;
}

/** The binary's path as the child resolves it (PATH lookup for a bare name), or the name itself. */
async function resolveBinary(binary: string): Promise<string> {
  if (binary.includes('/')) return realpath(binary).catch(() => binary);
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = await realpath(join(dir, binary)).catch(() => null);
    if (p) return p;
  }
  return binary;
}

/** The key of everything init depends on: the code, the caller's lock file, the CLI, its config, the cache. */
export async function warmKey(i: WarmInputs): Promise<string> {
  const bin = await resolveBinary(i.binary);
  const st = await stat(bin).catch(() => null);
  const cliConfig = i.cliConfigFile ? await readFile(i.cliConfigFile, 'utf8').catch(() => '<unreadable>') : null;
  return sha256(
    JSON.stringify({
      v: 1,
      bundle: i.bundleDigest,
      binary: [bin, st?.size, st?.mtimeMs, st?.ino, i.binaryVersion ?? null],
      cliConfig: cliConfig === null ? null : [i.cliConfigFile, sha256(cliConfig)],
      cache: i.pluginCacheDir ?? null,
      backend: i.backend,
    }),
  );
}

/**
 * Digest of a data dir: every regular file's bytes and every link's target, by relative path. Fails
 * (returns null) when a link no longer resolves, e.g. a provider link into a pruned plugin cache.
 */
async function digestDir(root: string): Promise<string | null> {
  const h = createHash('sha256');
  const walk = async (dir: string): Promise<boolean> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const rel = relative(root, p);
      const st = await lstat(p);
      if (st.isSymbolicLink()) {
        h.update(`L ${rel} ${await readlink(p)}\n`);
        if (!(await stat(p).catch(() => null))) return false;
      } else if (st.isDirectory()) {
        h.update(`D ${rel}\n`);
        if (!(await walk(p))) return false;
      } else if (st.isFile()) {
        // Big files (a provider copied rather than linked) by identity: hashing them is what init costs.
        h.update(`F ${rel} ${st.size > BIG_FILE ? `${st.size} ${st.mtimeMs} ${st.ino}` : sha256(await readFile(p))}\n`);
      } else return false;
    }
    return true;
  };
  try {
    return (await walk(root)) ? h.digest('hex') : null;
  } catch {
    return null;
  }
}

/**
 * The stack's current build if it is complete, made for `key`, untouched since, with its links resolving,
 * and made with the same lock file as the caller's (when the caller gives one).
 */
export async function findWarm(stackDir: string, key: string, lockFile: string | null): Promise<WarmBuild | null> {
  try {
    const current = JSON.parse(await readFile(join(stackDir, 'current.json'), 'utf8')) as { build?: string };
    if (!current.build || !BUILD_NAME.test(current.build)) return null;
    const build = await checkBuild(join(stackDir, current.build), key);
    return build && (lockFile === null || lockFile === build.lockFile) ? build : null;
  } catch {
    return null;
  }
}

/** A build dir checked as `findWarm` does: complete, made for `key`, untouched since, links resolving. */
async function checkBuild(buildDir: string, key: string): Promise<WarmBuild | null> {
  return (await sealedBuild(buildDir, key))?.build ?? null;
}

/** {@link checkBuild}, with the digest of its data dir (what a new seal of the build is made from). */
async function sealedBuild(buildDir: string, key: string): Promise<{ build: WarmBuild; dataDigest: string } | null> {
  try {
    const done = JSON.parse(await readFile(join(buildDir, 'complete.json'), 'utf8')) as Complete;
    if (done.key !== key) return null;
    const dataDir = join(buildDir, 'data');
    const lockFile = await readFile(join(buildDir, 'lock.hcl'), 'utf8');
    const trust = await readFile(join(buildDir, TRUST_FILE), 'utf8').catch(() => '');
    const dataDigest = await digestDir(dataDir);
    if (!dataDigest || done.digest !== buildDigest(dataDigest, lockFile, trust)) return null;
    return { build: { buildDir, dataDir, lockFile, trust: trust ? (JSON.parse(trust) as TrustRecord) : null }, dataDigest };
  } catch {
    return null;
  }
}

/** A fresh, empty build dir of the stack for `init` to fill (TF_DATA_DIR = its `data/`). */
export async function newBuild(stackDir: string): Promise<{ buildDir: string; dataDir: string }> {
  await mkdir(stackDir, { recursive: true, mode: 0o700 });
  const buildDir = join(stackDir, `b-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  await mkdir(join(buildDir, 'data'), { recursive: true, mode: 0o700 });
  return { buildDir, dataDir: join(buildDir, 'data') };
}

/** What a build's completeness marker seals: its data dir, lock file and provider record. */
function buildDigest(dataDigest: string, lockFile: string, trust: string): string {
  return sha256(`${dataDigest}\n${sha256(lockFile)}${trust ? `\n${sha256(trust)}` : ''}`);
}

/**
 * Seals a build after its init succeeded: lock file, then the completeness marker, then `current.json`
 * by rename. Older builds of the stack (finished ones, and unfinished ones older than an hour) go.
 */
export async function promoteBuild(stackDir: string, buildDir: string, key: string, lockFile: string): Promise<void> {
  await writeFile(join(buildDir, 'lock.hcl'), lockFile, { mode: 0o600 });
  const digest = await digestDir(join(buildDir, 'data'));
  if (!digest) throw new Error('the data dir init left has a link that does not resolve');
  const done: Complete = { key, digest: buildDigest(digest, lockFile, '') };
  await writeFile(join(buildDir, 'complete.json'), JSON.stringify(done), { mode: 0o600 });
  const tmp = join(stackDir, `current.json.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, JSON.stringify({ build: buildDir.split(sep).pop() }), { mode: 0o600 });
  await rename(tmp, join(stackDir, 'current.json'));
  await removeStale(stackDir, buildDir);
}

/**
 * Adds to a sealed build the record of its provider packages as Terraform verified them (see
 * provider-trust.ts), sealed again with it: the record first, then the marker by rename. A build that
 * changed since it was checked is left as it is.
 */
export async function recordTrust(build: WarmBuild, key: string, record: TrustRecord): Promise<boolean> {
  const sealed = await sealedBuild(build.buildDir, key);
  if (!sealed) return false;
  const trust = JSON.stringify(record);
  await writeFile(join(build.buildDir, TRUST_FILE), trust, { mode: 0o600 });
  const tmp = join(build.buildDir, `complete.json.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, JSON.stringify({ key, digest: buildDigest(sealed.dataDigest, sealed.build.lockFile, trust) } satisfies Complete), { mode: 0o600 });
  await rename(tmp, join(build.buildDir, 'complete.json'));
  return true;
}

/**
 * A replaced build may still be in use by a run that does not hold the stack lock (a drift check): it is
 * marked superseded when first seen replaced and removed only an hour later. Unfinished builds (a crashed
 * builder's) go after an hour too. `keep` is the stack's current build.
 */
async function removeStale(stackDir: string, keep: string | null): Promise<void> {
  for (const name of await readdir(stackDir).catch(() => [] as string[])) {
    const p = join(stackDir, name);
    if (p === keep || !BUILD_NAME.test(name)) continue;
    const finished = await stat(join(p, 'complete.json')).then(() => true, () => false);
    const since = finished
      ? await stat(join(p, SUPERSEDED)).then((st) => st.mtimeMs, async () => (await writeFile(join(p, SUPERSEDED), '', { mode: 0o600 }).catch(() => undefined), Date.now()))
      : Number.parseInt(name.split('-')[1]!, 36);
    if (Date.now() - since > STALE_BUILD_MS) await rm(p, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A destroyed stack: it has no current build any more, and its builds go an hour later ({@link sweepWarm}). */
export async function retireStack(stackDir: string): Promise<void> {
  await rm(join(stackDir, 'current.json'), { force: true });
  await removeStale(stackDir, null);
}

/**
 * Removes, in every stack without a current build (destroyed ones), the builds retired over an hour ago,
 * then the stack's dir once it is empty. Stacks with a current build are tidied when they promote one.
 */
export async function sweepWarm(warmRoot: string): Promise<void> {
  for (const name of await readdir(warmRoot).catch(() => [] as string[])) {
    const stackDir = join(warmRoot, name);
    if (!/^[0-9a-f]{32}$/.test(name) || (await stat(join(stackDir, 'current.json')).then(() => true, () => false))) continue;
    await removeStale(stackDir, null);
    // rmdir, not rm -r: a build a new deployment of the stack started meanwhile keeps the dir.
    await rmdir(stackDir).catch(() => undefined);
  }
}

/** Removes a build whose init failed or was stopped. */
export async function dropBuild(buildDir: string): Promise<void> {
  await rm(buildDir, { recursive: true, force: true }).catch(() => undefined);
}

/** Records in the work dir which build it was prepared with (the saved plan's apply reattaches to it). */
export async function recordBuild(workDir: string, build: Pick<WarmBuild, 'buildDir'> | null): Promise<void> {
  const ref = join(workDir, REF_FILE);
  if (build) await writeRunnerFile(ref, JSON.stringify({ buildDir: build.buildDir }));
  else await rm(ref, { force: true }).catch(() => undefined);
}

/**
 * The build this work dir was prepared with, checked again: `undefined` when it used none (its own
 * `.terraform`), null when it did but that build is gone or changed (prepare again). The recorded path
 * lies in the writable work dir, so it is accepted only as a build of this stack's own warm dir.
 */
export async function recordedBuild(workDir: string, stackDir: string, key: string): Promise<WarmBuild | null | undefined> {
  const bytes = await readToolFile(join(workDir, REF_FILE), 4096);
  if (!bytes) return undefined;
  try {
    const { buildDir } = JSON.parse(bytes.toString('utf8')) as { buildDir?: unknown };
    if (typeof buildDir !== 'string' || !isAbsolute(buildDir) || dirname(buildDir) !== stackDir || !BUILD_NAME.test(buildDir.split(sep).pop()!)) return null;
    return await checkBuild(buildDir, key);
  } catch {
    return null;
  }
}

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A package of this repository as published: its folder, its name and its packed tarball. */
export interface PackedPackage {
  dir: string;
  name: string;
  tarball: string;
}

/** Every package as a user gets it: built, packed, and installed from the tarballs into a fresh app. */
export interface PackedWorld {
  packages: PackedPackage[];
  /** A fresh consumer app (outside the repository, so nothing resolves through the repo's node_modules)
   * with every tarball installed and `@types/node`. */
  appDir: string;
}

/** Workspace folders under packages/ (new packages are picked up from the root package.json). */
export function publishedPackageDirs(): string[] {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces.filter((w) => w.startsWith('packages/')).map((w) => join(ROOT, w));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** A digest of everything that goes into the tarballs, so an unchanged tree reuses the last pack. */
function sourceDigest(dirs: string[]): string {
  const h = createHash('sha256');
  const inputs = [fileURLToPath(import.meta.url), join(ROOT, 'tsup.base.ts'), join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.base.json'), join(ROOT, 'LICENSE'), join(ROOT, 'package-lock.json')];
  for (const d of dirs) {
    inputs.push(...filesUnder(join(d, 'src')), join(d, 'package.json'), join(d, 'tsup.config.ts'), join(d, 'README.md'), join(d, 'LICENSE'));
  }
  for (const f of inputs) {
    h.update(relative(ROOT, f));
    h.update(existsSync(f) ? readFileSync(f) : '<none>');
  }
  return h.digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One packer at a time across vitest's worker processes: a lock directory holding the owner's pid. */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      await mkdir(path);
      await writeFile(join(path, 'pid'), String(process.pid));
      break;
    } catch {
      const pid = Number(await readFile(join(path, 'pid'), 'utf8').catch(() => ''));
      if (pid && !processAlive(pid)) await rm(path, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the pack lock ${path}`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a package's build reads: its own sources and configs and the shared ones. */
function buildDigest(dir: string): string {
  const h = createHash('sha256');
  const inputs = [join(ROOT, 'tsup.base.ts'), join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.base.json'), ...filesUnder(join(dir, 'src')), join(dir, 'package.json'), join(dir, 'tsup.config.ts')];
  for (const f of inputs) h.update(relative(ROOT, f)).update(existsSync(f) ? readFileSync(f) : '<none>');
  return h.digest('hex');
}

/**
 * Builds a package unless its dist was built from these very sources (a README edit needs no build) and
 * is the full build: `npm start` (scripts/prepare.mjs) rebuilds a dist as ESM JavaScript only, with no
 * CJS or .d.ts, and says so in `dist/.build-stamp` (which a full tsup build cleans away).
 */
async function buildIfChanged(dir: string): Promise<void> {
  const stamp = join(ROOT, 'node_modules', '.cache', 'iac-orchestrator-build', `${relative(ROOT, dir).replace(/\W+/g, '-')}.digest`);
  const digest = buildDigest(dir);
  const runtimeOnly = existsSync(join(dir, 'dist', '.build-stamp')) && readFileSync(join(dir, 'dist', '.build-stamp'), 'utf8').startsWith('runtime ');
  if (!runtimeOnly && existsSync(join(dir, 'dist')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  await execa(repoBin('tsup'), ['--silent'], { cwd: dir });
  await mkdir(dirname(stamp), { recursive: true });
  await writeFile(stamp, digest);
}

/** Builds every package that changed (two at a time: this machine's cores), then packs each into `into`. */
async function buildAndPack(dirs: string[], into: string): Promise<PackedPackage[]> {
  const queue = [...dirs];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) await buildIfChanged(d);
  };
  await Promise.all([worker(), worker()]);
  await mkdir(into, { recursive: true });
  const packed: PackedPackage[] = [];
  for (const dir of dirs) {
    const { stdout } = await execa('npm', ['pack', '--json', '--pack-destination', into], { cwd: dir });
    const [info] = JSON.parse(stdout) as Array<{ name: string; filename: string }>;
    packed.push({ dir, name: info.name, tarball: join(into, info.filename) });
  }
  return packed;
}

/** A consumer app with the tarballs installed. Only what the tarballs depend on comes from the registry
 * (npm's cache first: `npm ci` of this repo already holds them). */
async function installConsumer(appDir: string, packed: PackedPackage[]): Promise<void> {
  await mkdir(appDir, { recursive: true });
  const dependencies: Record<string, string> = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
  // What a user's app brings itself, at the versions this repository's lockfile holds (so npm's cache has them):
  // Node's types, and Express for the README's mounting example.
  for (const dep of ['@types/node', 'express', '@types/express']) dependencies[dep] = installedVersion(dep);
  await writeFile(join(appDir, 'package.json'), JSON.stringify({ name: 'iac-consumer', private: true, type: 'module', dependencies }, null, 2));
  await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: appDir });
}

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

let world: Promise<PackedWorld> | undefined;

/**
 * Builds and packs every package and installs the tarballs into a fresh app, once per source tree: the
 * result sits in the OS temp dir under a digest of the sources, so later test files and later runs on an
 * unchanged tree reuse it (the build is the slow part).
 */
export function packedWorld(): Promise<PackedWorld> {
  world ??= (async () => {
    const dirs = publishedPackageDirs();
    const base = join(tmpdir(), `iac-orchestrator-packed-${sourceDigest(dirs)}`);
    const manifest = join(base, 'world.json');
    return withLock(`${base}.lock`, async () => {
      if (existsSync(manifest)) return JSON.parse(await readFile(manifest, 'utf8')) as PackedWorld;
      await rm(base, { recursive: true, force: true });
      const packages = await buildAndPack(dirs, join(base, 'tarballs'));
      const appDir = join(base, 'app');
      await installConsumer(appDir, packages);
      const w: PackedWorld = { packages, appDir };
      await writeFile(manifest, JSON.stringify(w));
      await pruneOlderWorlds(base);
      return w;
    });
  })();
  return world;
}

/** Keeps the temp dir from filling up with one packed world per edit. */
async function pruneOlderWorlds(keep: string): Promise<void> {
  const dir = tmpdir();
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    if (!name.startsWith('iac-orchestrator-packed-') || name.endsWith('.lock') || p === keep) continue;
    if (Date.now() - statSync(p).mtimeMs > 60 * 60_000) await rm(p, { recursive: true, force: true });
  }
}

/** Runs a binary of the repository's own dev dependencies (tsc, attw, publint). */
export function repoBin(name: string): string {
  return join(ROOT, 'node_modules', '.bin', name);
}

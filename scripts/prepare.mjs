#!/usr/bin/env node
/**
 * What `npm start` and `npm test` run first (their `prestart`/`pretest` hooks), so either works as the
 * first command on a fresh clone:
 *
 * - locked dependencies: `npm ci` when node_modules is missing or no longer matches package-lock.json;
 * - builds (`start`/`build` only; tests run on the TypeScript sources): each workspace package is built
 *   with its own `build` script only when a stamp over its sources, its config, the lockfile and the
 *   stamps of the workspace packages it depends on differs from the one its last build left in
 *   `dist/.build-stamp`. An unchanged checkout therefore starts without running tsup at all. `start`
 *   builds the ESM JavaScript the server runs; `build` the full published output (ESM, CJS, .d.ts).
 *
 * Everything it prepares is announced on one line first, so a first start does not look hung; when all
 * is in place it prints one line and costs a few milliseconds (CI runs `npm test` right after `npm ci`).
 *
 * Plain Node with no dependencies, because it runs before any are installed; hence node:child_process
 * (argv arrays, never a shell) rather than execa.
 *
 * Usage: node scripts/prepare.mjs start|test|build
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'start';
const say = (line) => process.stdout.write(`[prepare] ${line}\n`);
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const npm = (args) => execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd: root, stdio: 'inherit' });

/** Why node_modules must be (re)installed from the lockfile, or null when it matches. */
export function installNeeded() {
  const lockPath = join(root, 'package-lock.json');
  const hiddenPath = join(root, 'node_modules', '.package-lock.json'); // npm's record of what it installed
  if (!existsSync(hiddenPath)) return 'node_modules is missing';
  // Fast path: npm wrote its record after the lockfile changed last.
  if (statSync(hiddenPath).mtimeMs >= statSync(lockPath).mtimeMs) return null;
  // The lockfile is newer (a pull, a checkout, a fresh worktree): compare what is locked with what is installed.
  const locked = readJson(lockPath).packages ?? {};
  const installed = readJson(hiddenPath).packages ?? {};
  for (const [path, entry] of Object.entries(locked)) {
    if (!path.includes('node_modules/')) continue;
    const have = installed[path];
    if (!have) {
      if (entry.optional) continue; // another platform's binary, never installed here
      return `${path} is locked but not installed`;
    }
    if (have.version !== entry.version) return `${path} is ${have.version ?? 'a link'}, locked ${entry.version}`;
  }
  for (const path of Object.keys(installed)) if (!(path in locked)) return `${path} is installed but not locked`;
  return null;
}

/** The workspace packages that have a build script, dependencies first (the root's workspace order). */
function buildablePackages() {
  const all = readJson(join(root, 'package.json')).workspaces.map((dir) => ({ dir, manifest: readJson(join(root, dir, 'package.json')) }));
  const names = new Set(all.map((p) => p.manifest.name));
  return all
    .filter((p) => p.manifest.scripts?.build)
    .map((p) => {
      const m = p.manifest;
      const deps = Object.keys({ ...m.dependencies, ...m.peerDependencies, ...m.devDependencies }).filter((d) => names.has(d));
      return { dir: p.dir, name: m.name, deps };
    });
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

/** A digest of everything a package's build output depends on (contents, not mtimes: a clone resets those). */
function sourceStamp(pkg, depStamps) {
  const h = createHash('sha256');
  const inputs = [
    ...filesUnder(join(root, pkg.dir, 'src')),
    ...filesUnder(join(root, pkg.dir, 'ui')), // the http-adapter's web console (built by its postbuild)
    join(root, pkg.dir, 'package.json'),
    join(root, pkg.dir, 'tsup.config.ts'),
    join(root, 'tsup.base.ts'),
    join(root, 'tsconfig.base.json'),
    join(root, 'package-lock.json'),
  ];
  for (const file of inputs) {
    if (!existsSync(file)) continue;
    h.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const dep of pkg.deps) h.update(`${dep}=${depStamps.get(dep) ?? ''}\0`);
  return h.digest('hex');
}

/**
 * Builds each package whose stamp changed; returns the names built. `runtime` (what `npm start` needs) is
 * the ESM JavaScript only, seconds per package; `full` adds CJS and the .d.ts files (what is published),
 * minutes on a busy machine. A full build also satisfies a runtime one.
 */
export function buildChanged(kind) {
  const stamps = new Map();
  const built = [];
  for (const pkg of buildablePackages()) {
    const stamp = sourceStamp(pkg, stamps);
    stamps.set(pkg.name, stamp);
    const stampFile = join(root, pkg.dir, 'dist', '.build-stamp');
    const [previousKind, previous] = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim().split(' ') : [null, null];
    if (previous === stamp && (previousKind === 'full' || previousKind === kind)) continue;
    say(`building ${pkg.name}${kind === 'runtime' ? ' (JavaScript only)' : ''}: ${previous === null ? 'never built here' : previous === stamp ? 'a full build was asked for' : 'sources changed'}…`);
    npm(['run', 'build', '--silent', '-w', pkg.dir, '--', '--silent', ...(kind === 'runtime' ? ['--format', 'esm', '--no-dts'] : [])]);
    writeFileSync(stampFile, `${kind} ${stamp}\n`); // after the build: tsup cleans dist/ first
    built.push(pkg.name);
  }
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now();
  const reason = installNeeded();
  if (reason) {
    say(`installing the locked dependencies with npm ci (${reason}); the first time takes a minute or two…`);
    npm(['ci', '--no-audit', '--no-fund']);
  }
  const built = mode === 'test' ? [] : buildChanged(mode === 'build' ? 'full' : 'runtime');
  if (!reason && built.length === 0) say(`dependencies${mode === 'test' ? '' : ' and builds'} up to date (${Date.now() - t0} ms)`);
  else say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

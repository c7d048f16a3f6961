/**
 * The README's quick start as a new user runs it: a clean `git clone` of this checkout (only what git
 * has: committed files, no node_modules, no dist) and then `npm start` alone must install, build and
 * serve /health; a second `npm start` must serve it again without rebuilding anything (dist/ untouched);
 * an edited source rebuilds its package and the packages depending on it, nothing else.
 *
 * npm is pointed at the local cache, preferring it (`prefer-offline`), so the install is offline-fast, and
 * the native addon better-sqlite3 is handed to its prebuild-install as a local prebuild packed from this
 * checkout's own build of it (the role a download from its release page would play; without it the
 * clone compiles SQLite for minutes). `.ci/run`'s own `npm ci` still builds it for real.
 * It clones HEAD: uncommitted changes are not part of what it tests.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { repoRoot } from './support/serve.js';

const ok = prerequisite('git', findCommand('git') !== null, 'git is not on PATH (the test clones this checkout)') && prerequisite('npm', findCommand('npm') !== null, 'npm is not on PATH');

/** A child env without the npm_* variables `npm test` sets, which would point npm at this checkout. */
function npmEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_|^INIT_CWD$/i.test(k)) env[k] = v;
  return { ...env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

/**
 * A prebuild-install tarball of this checkout's compiled better-sqlite3 in `dir`, and the env naming it;
 * none when it is not installed here.
 */
async function localSqlitePrebuild(dir: string): Promise<Record<string, string>> {
  const pkgDir = join(repoRoot, 'node_modules', 'better-sqlite3');
  const addon = join('build', 'Release', 'better_sqlite3.node');
  if (!existsSync(join(pkgDir, addon))) return {};
  const { version } = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  await execa('tar', ['-czf', join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`), '-C', pkgDir, addon]);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

/** Runs `npm start` in `dir` until /health answers, then stops it (the whole process group); returns what it printed. */
async function startAndReachHealth(dir: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const child = execa('npm', ['start'], { cwd: dir, env: npmEnv({ PORT: '0', LOG_LEVEL: 'info', ...extraEnv }), extendEnv: false, detached: true, reject: false, all: true, buffer: false });
  let out = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.all!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (m) resolve(m[1]);
      });
      void child.then((r) => reject(new Error(`npm start exited (${r.exitCode}) before listening:\n${out}`)));
    });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    return out;
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM'); // npm, its sh and the server
    } catch {
      /* already gone */
    }
    await child;
  }
}

/** Every file under each package's dist/ with its modification time. */
async function distTimes(dir: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const pkg of await readdir(join(dir, 'packages'))) {
    const dist = join(dir, 'packages', pkg, 'dist');
    const files = await readdir(dist, { recursive: true }).catch(() => [] as string[]);
    for (const f of files) times.set(join(pkg, f), (await stat(join(dist, f))).mtimeMs);
  }
  return times;
}

describe.skipIf(!ok)('quick start from a clean clone', () => {
  let dir = '';
  let clone = '';
  let prebuilds: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quick-start-'));
    clone = join(dir, 'clone');
    await mkdir(join(dir, 'prebuilds'));
    prebuilds = await localSqlitePrebuild(join(dir, 'prebuilds'));
    await execa('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone]);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('npm start installs, builds, serves /health; a second npm start rebuilds nothing; an edit rebuilds only what depends on it', { timeout: 900_000 }, async () => {
    const first = await startAndReachHealth(clone, prebuilds);
    expect(first).toMatch(/\[prepare\] installing the locked dependencies with npm ci \(node_modules is missing\)/);
    expect(first).toMatch(/\[prepare\] building @iac-orchestrator\/http-adapter \(JavaScript only\): never built here/);

    const before = await distTimes(clone);
    expect(before.has('http-adapter/cli.js')).toBe(true);
    const second = await startAndReachHealth(clone);
    expect(second).toMatch(/\[prepare\] dependencies and builds up to date/);
    expect(second).not.toMatch(/installing|building/);
    expect(await distTimes(clone)).toEqual(before);

    await appendFile(join(clone, 'packages/executor-bicep/src/index.ts'), '\n// an edit\n');
    const rebuilt = await execa('node', ['scripts/prepare.mjs', 'start'], { cwd: clone, env: npmEnv({}), extendEnv: false });
    const built = [...rebuilt.stdout.matchAll(/building (@iac-orchestrator\/[\w-]+)/g)].map((m) => m[1]);
    expect(built).toEqual(['@iac-orchestrator/executor-bicep', '@iac-orchestrator/http-adapter']);
  });

  it('the Dockerfile runs the same start command as npm start', async () => {
    const manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
    const cmd = /^CMD (\[.*\])$/m.exec(await readFile(join(repoRoot, 'Dockerfile'), 'utf8'));
    expect(cmd).not.toBeNull();
    expect((JSON.parse(cmd![1]) as string[]).join(' ')).toBe(manifest.scripts.start);
  });
});

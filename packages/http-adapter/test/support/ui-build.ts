import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgRoot = fileURLToPath(new URL('../..', import.meta.url));

const filesUnder = (path: string): string[] =>
  statSync(path).isDirectory() ? readdirSync(path).flatMap((n) => filesUnder(join(path, n))) : [path];

/** A digest of everything the console's build reads: its sources, the shared client, the lockfile. */
function sourceDigest(): string {
  const h = createHash('sha256');
  const inputs = [...filesUnder(join(pkgRoot, 'ui')), ...filesUnder(join(pkgRoot, 'src/client')), join(pkgRoot, 'src/api-contract.ts'), join(pkgRoot, '../../package-lock.json')];
  for (const f of inputs.sort()) h.update(relative(pkgRoot, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/**
 * Builds the web console (Vite) for the tests into a temp dir named by a digest of its sources, and
 * returns that dir (pass it as `buildServer({ ui: { dir } })`). So `npm test` on a fresh clone needs no
 * prior `npm run build`, a stale dist/ui is never tested, and a test that rebuilds dist/ (tsup cleans it)
 * cannot pull the files from under the browser tests. A mkdir lock keeps two builds of one digest apart.
 */
export async function ensureUiBuilt(): Promise<string> {
  const out = join(tmpdir(), `iac-orchestrator-console-${sourceDigest()}`);
  if (existsSync(join(out, 'index.html'))) return out;
  const lock = `${out}.lock`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a test process that died mid-build is stale after 5 minutes.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmdirSync(lock);
      if (Date.now() > deadline) throw new Error(`the console build lock ${lock} is held for too long`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!existsSync(join(out, 'index.html'))) {
      const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
      const r = await execa('node', [vite, 'build', '--config', join(pkgRoot, 'ui/vite.config.ts'), '--outDir', out, '--emptyOutDir'], { cwd: pkgRoot, reject: false, all: true });
      if (r.exitCode !== 0) throw new Error(`vite build of the console failed:\n${r.all}`);
    }
  } finally {
    rmdirSync(lock);
  }
  return out;
}

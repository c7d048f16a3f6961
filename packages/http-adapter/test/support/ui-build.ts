import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgRoot = fileURLToPath(new URL('../..', import.meta.url));
export const uiOutDir = join(pkgRoot, 'dist/ui');

const newest = (path: string): number => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
};

/**
 * Builds the web console (Vite) when dist/ui is missing or older than its sources, so `npm test` on a
 * fresh clone needs no prior `npm run build`. A mkdir lock keeps two test files from building at once.
 */
export async function ensureUiBuilt(): Promise<string> {
  const index = join(uiOutDir, 'index.html');
  const sources = Math.max(newest(join(pkgRoot, 'ui/src')), newest(join(pkgRoot, 'ui/index.html')), newest(join(pkgRoot, 'ui/vite.config.ts')), newest(join(pkgRoot, 'src/client')));
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= sources;
  if (fresh()) return uiOutDir;
  const lock = join(pkgRoot, '.ui-build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`the console build lock ${lock} is held for too long`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!fresh()) {
      const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
      const r = await execa('node', [vite, 'build', '--config', join(pkgRoot, 'ui/vite.config.ts')], { cwd: pkgRoot, reject: false, all: true });
      if (r.exitCode !== 0) throw new Error(`vite build of the console failed:\n${r.all}`);
    }
  } finally {
    rmdirSync(lock);
  }
  return uiOutDir;
}

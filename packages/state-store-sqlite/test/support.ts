/**
 * Child-process helpers of the SQLite store's crash and race tests.
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Leaves the native addon out of the bundle, imported from where this repository installed it. */
const nativeAddon: Plugin = {
  name: 'native-addon',
  setup(b) {
    const resolved = createRequire(import.meta.url).resolve('better-sqlite3');
    b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: resolved, external: true }));
  },
};

/**
 * Bundles a fixture into one ESM file at `outfile`: started many times, it then skips the tsx loader,
 * which makes each start 2-3x slower. Workspace imports resolve to sources through tsconfig paths.
 */
export async function bundleFixture(name: string, outfile: string): Promise<void> {
  await build({ entryPoints: [fixture(name)], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error', plugins: [nativeAddon], absWorkingDir: repoRoot });
}

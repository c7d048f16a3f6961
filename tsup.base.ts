import type { Options } from 'tsup';

/**
 * The one tsup configuration every package builds with: ESM + CJS + .d.ts, Node 20 target,
 * dependencies left external (each package declares its own).
 */
export function packageConfig(entry: Record<string, string> | string[], extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...extra,
  };
}

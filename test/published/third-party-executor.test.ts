import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { packedWorld, repoBin, ROOT, type PackedWorld } from './packed.js';

/**
 * A third-party executor built outside the repository against the published packages: the `kv` example
 * (examples/kv-executor) is copied into the fresh consumer app, compiled there with tsc (nodenext, strict),
 * and run through the published conformance suite with node:test. Its cancel check is
 * `signal.reason instanceof CancelledError`, so this holds only if `core/testing` and `core` share one copy
 * of every class.
 */
describe('a third-party executor against the published packages', { timeout: 900_000 }, () => {
  let world: PackedWorld;
  let dir: string;

  beforeAll(async () => {
    world = await packedWorld();
    dir = join(world.appDir, 'kv-plugin');
    await mkdir(join(dir, 'dist'), { recursive: true });
    for (const f of ['kv-executor.ts', 'conformance-factory.ts']) await copyFile(join(ROOT, 'examples/kv-executor', f), join(dir, f));
    await copyFile(join(ROOT, 'examples/kv-executor/kv-tool.mjs'), join(dir, 'dist', 'kv-tool.mjs'));
    await writeFile(
      join(dir, 'conformance.ts'),
      [
        `import { it } from 'node:test';`,
        `import { executorConformance } from '@iac-orchestrator/core/testing';`,
        `import { kvConformanceFactory } from './conformance-factory.js';`,
        `executorConformance(it, kvConformanceFactory);`,
      ].join('\n'),
    );
    const compilerOptions = { strict: true, skipLibCheck: false, target: 'es2022', lib: ['es2023'], types: ['node'], module: 'nodenext', moduleResolution: 'nodenext', outDir: 'dist', rootDir: '.' };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['kv-executor.ts', 'conformance-factory.ts', 'conformance.ts'] }, null, 2));
  }, 30 * 60_000);

  it('compiles strictly against the installed packages and passes the conformance suite run by node:test', async () => {
    const tsc = await execa(repoBin('tsc'), ['-p', '.'], { cwd: dir, reject: false });
    expect(tsc.stdout + tsc.stderr, 'tsc').toBe('');
    const run = await execa('node', ['--test', '--test-reporter=tap', 'dist/conformance.js'], { cwd: dir, reject: false, timeout: 300_000 });
    const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(run.stdout)?.[1] ?? NaN);
    expect(count('fail'), run.stdout.slice(-4000)).toBe(0);
    expect(count('pass')).toBeGreaterThanOrEqual(10);
    expect(run.exitCode).toBe(0);
  });
});

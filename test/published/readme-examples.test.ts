import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { findCommand, prerequisite } from '../../test-support/prerequisites.js';
import { packedWorld, repoBin } from './packed.js';
import { extractBlocks, readmes, type ReadmeBlock } from './readme-blocks.js';

/**
 * Docs that run: every TypeScript block of every README is type-checked (strict, nodenext, without
 * skipLibCheck) against the packed packages installed in a fresh app, and run there with node, against
 * real terraform where it deploys. A block may opt out only with a marker and a reason (readme-blocks.ts).
 */
const blocks: ReadmeBlock[] = readmes().flatMap(extractBlocks);
const checked = blocks.filter((b) => b.mode !== 'skip');

describe('README TypeScript blocks', { timeout: 900_000 }, () => {
  let dir: string;
  let compile: { ok: boolean; output: string };

  beforeAll(async () => {
    const world = await packedWorld();
    dir = join(world.appDir, 'readme-blocks');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const b of checked) await writeFile(join(dir, `${b.file}.ts`), `// ${b.where}\n${b.code}\nexport {};\n`);
    const compilerOptions = { strict: true, skipLibCheck: false, target: 'es2022', lib: ['es2023', 'dom'], types: ['node'], module: 'nodenext', moduleResolution: 'nodenext', outDir: 'dist', rootDir: '.' };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }, null, 2));
    const r = await execa(repoBin('tsc'), ['-p', '.'], { cwd: dir, reject: false });
    compile = { ok: r.exitCode === 0, output: r.stdout + r.stderr };
  }, 30 * 60_000);

  it('every opted-out block says why', () => {
    const silent = blocks.filter((b) => b.mode !== 'run' && !b.reason).map((b) => b.where);
    expect(silent, 'a docs-test marker needs a reason').toEqual([]);
    expect(blocks.length).toBeGreaterThan(0);
  });

  it('every block that is not a marked fragment type-checks against the packed packages', () => {
    expect(compile.output).toBe('');
    expect(compile.ok).toBe(true);
  });

  for (const b of checked.filter((x) => x.mode === 'run')) {
    it(`runs as written: ${b.where}`, async (t) => {
      if (!compile.ok) throw new Error('the blocks do not compile (see the type-check test)');
      const deploysTerraform = /TerraformExecutor/.test(b.code);
      if (deploysTerraform && !prerequisite('terraform', findCommand('terraform') !== null, `${b.where} deploys with terraform`)) return t.skip();
      // Its own empty working directory (the examples write ./state and the like) and no cloud credentials.
      const cwd = await mkdtemp(join(tmpdir(), 'readme-block-'));
      try {
        const r = await execa('node', [join(dir, 'dist', `${b.file}.js`)], { cwd, reject: false, timeout: 300_000, env: { HOME: cwd }, extendEnv: true });
        expect(r.exitCode, `${b.where} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`).toBe(0);
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    });
  }
});

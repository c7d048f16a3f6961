import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { packedWorld, repoBin, type PackedWorld } from './packed.js';

/**
 * The published packages as a TypeScript user gets them: every package built, packed and installed from
 * its tarball into a fresh app outside the repository, then type-checked strictly, without skipLibCheck,
 * under each module setting a user may have, from ESM and from CJS. The repo's own type check resolves the
 * sources through paths, so it never sees the published `.d.ts`; this does.
 */

/** Every entry point of every package (`.`, `./testing`...), as import specifiers. */
function entryPoints(w: PackedWorld): string[] {
  return w.packages.flatMap((p) => {
    const pkg = JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    return Object.keys(pkg.exports)
      .filter((k) => !k.endsWith('.json'))
      .map((k) => (k === '.' ? p.name : `${p.name}/${k.slice(2)}`));
  });
}

/** Uses the API the way the READMEs do, so a type that degrades to `any` or breaks fails the check. */
const USAGE = `
const orchestrator = new Orchestrator({ store: new MemoryStateStore(), executors: [new ScriptedExecutor()] });
orchestrator.on('status', (e) => { const s: string = e.status; void s; });
orchestrator.off('status');
const aborted: boolean = isCancelled(new CancelledError()) && !isTimeout(new Error('x'));
void aborted;
void executorConformance;
`;

function consumerSource(specifiers: string[]): string {
  const all = specifiers.map((s, i) => `import * as entry${i} from '${s}';`).join('\n');
  return [
    all,
    `import { Orchestrator, MemoryStateStore, CancelledError, isCancelled, isTimeout } from '@iac-orchestrator/core';`,
    `import { executorConformance, ScriptedExecutor } from '@iac-orchestrator/core/testing';`,
    `export const entries = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];`,
    USAGE,
  ].join('\n');
}

interface Mode {
  name: string;
  module: string;
  moduleResolution: string;
  files: string[];
}

const MODES: Mode[] = [
  { name: 'nodenext', module: 'nodenext', moduleResolution: 'nodenext', files: ['esm.ts', 'cjs.cts'] },
  { name: 'node16', module: 'node16', moduleResolution: 'node16', files: ['esm.ts', 'cjs.cts'] },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', files: ['esm.ts'] },
];

describe('published packages', { timeout: 900_000 }, () => {
  let world: PackedWorld;
  let checkDir: string;

  beforeAll(async () => {
    world = await packedWorld();
    checkDir = join(world.appDir, 'types-check');
    await mkdir(checkDir, { recursive: true });
    const source = consumerSource(entryPoints(world));
    await writeFile(join(checkDir, 'esm.ts'), source);
    await writeFile(join(checkDir, 'cjs.cts'), source);
    for (const m of MODES) {
      const compilerOptions = { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022', lib: ['es2023'], types: ['node'], module: m.module, moduleResolution: m.moduleResolution };
      await writeFile(join(checkDir, `tsconfig.${m.name}.json`), JSON.stringify({ compilerOptions, files: m.files }, null, 2));
    }
  }, 30 * 60_000);

  for (const m of MODES) {
    it(`type-check strictly under module ${m.name} (${m.files.join(' + ')}), without skipLibCheck`, async () => {
      const r = await execa(repoBin('tsc'), ['-p', `tsconfig.${m.name}.json`], { cwd: checkDir, reject: false });
      expect(r.stdout + r.stderr, `tsc under ${m.name}`).toBe('');
      expect(r.exitCode).toBe(0);
    });
  }

  it('every tarball passes @arethetypeswrong/cli (node16 profile: ESM and CJS) and publint --strict', async () => {
    const problems: string[] = [];
    for (const p of world.packages) {
      // node16 profile: node10 resolution cannot see subpath exports (core/testing); engines is Node 20.19+.
      const attw = await execa(repoBin('attw'), ['--no-definitely-typed', '--profile', 'node16', '--format', 'ascii', p.tarball], { reject: false });
      if (attw.exitCode !== 0) problems.push(`attw ${p.name}:\n${attw.stdout}${attw.stderr}`);
      const publint = await execa(repoBin('publint'), ['run', p.tarball, '--strict', '--level', 'warning'], { reject: false });
      if (publint.exitCode !== 0 || /Warnings:|Errors:/.test(publint.stdout)) problems.push(`publint ${p.name}:\n${publint.stdout}${publint.stderr}`);
    }
    expect(problems.join('\n\n')).toBe('');
  });

  it('every installed package carries the MIT LICENSE and its repository, homepage, bugs and keywords', () => {
    for (const p of world.packages) {
      const dir = join(world.appDir, 'node_modules', p.name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), p.name).toMatch(/^MIT License/);
      expect(pkg.license, p.name).toBe('MIT');
      expect(pkg.repository, p.name).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:/) });
      expect(pkg.homepage, p.name).toEqual(expect.stringMatching(/^https:/));
      expect(pkg.bugs, p.name).toMatchObject({ url: expect.stringMatching(/^https:/) });
      expect((pkg.keywords as string[] | undefined)?.length, p.name).toBeGreaterThan(0);
    }
  });

  it('the installed testing entry shares the runtime of the main entry (one copy of every class), ESM and CJS', async () => {
    const probe = (ext: 'mjs' | 'cjs') =>
      ext === 'mjs'
        ? `import * as core from '@iac-orchestrator/core';\nimport * as testing from '@iac-orchestrator/core/testing';\n`
        : `const core = require('@iac-orchestrator/core');\nconst testing = require('@iac-orchestrator/core/testing');\n`;
    const body = `
const err = await new testing.ScriptedExecutor().plan({ deploymentId: 'd', bundle: { files: {} } }).catch((e) => e);
console.log(JSON.stringify({ sameClass: err instanceof core.ExecutorError, byCode: err.code === 'EXECUTOR_ERROR' }));
`;
    for (const ext of ['mjs', 'cjs'] as const) {
      const file = join(world.appDir, `probe.${ext}`);
      await writeFile(file, ext === 'mjs' ? probe(ext) + body : `${probe(ext)}(async () => {${body}})();`);
      const r = await execa('node', [file], { cwd: world.appDir, reject: false });
      expect(r.stderr, `node probe.${ext}`).toBe('');
      expect(JSON.parse(r.stdout.trim().split('\n').pop()!), `probe.${ext}`).toEqual({ sameClass: true, byCode: true });
    }
  });
});

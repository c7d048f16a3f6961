import { chmod, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPaths } from '../../src/sandbox/tool-paths.js';

/**
 * The sandbox resolves the tool of every run it starts (`toolPaths`), so it must look at a file's head
 * only: a pyenv shim is recognised from its first lines, and a large binary is never read whole.
 */
describe('toolPaths', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tool-paths-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A pyenv layout: `<root>/pyenv/shims/<name>` standing for `<root>/pyenv/versions/3.12/bin/<name>`. */
  async function pyenvShim(name: string, pad: number): Promise<{ shims: string; target: string }> {
    const pyenv = join(root, `pyenv-${name}`);
    const shims = join(pyenv, 'shims');
    const bin = join(pyenv, 'versions', '3.12', 'bin');
    await mkdir(shims, { recursive: true });
    await mkdir(bin, { recursive: true });
    await writeFile(join(pyenv, 'version'), '3.12\n');
    const target = join(bin, name);
    await writeFile(target, '#!/bin/sh\nexit 0\n');
    await chmod(target, 0o755);
    const shim = join(shims, name);
    await writeFile(shim, `#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT="${pyenv}"\nexec "/opt/pyenv/libexec/pyenv" exec "$program" "$@"\n`);
    if (pad > 0) {
      // Sparse: a file far larger than Node can read into one string, costing no disk.
      const fh = await open(shim, 'r+');
      await fh.truncate(pad);
      await fh.close();
    }
    await chmod(shim, 0o755);
    return { shims, target };
  }

  it('runs the installed tool a pyenv shim stands for', async () => {
    const { shims, target } = await pyenvShim('tool-a', 0);
    expect(toolPaths('tool-a', shims).path).toBe(target);
  });

  it('recognises a shim from its head, whatever the size of the file (a binary is never read whole)', async () => {
    const { shims, target } = await pyenvShim('tool-b', 3 * 1024 ** 3);
    expect(toolPaths('tool-b', shims).path).toBe(target);
  });

  it('takes a plain binary as it is found', async () => {
    const dir = join(root, 'bin');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'plain'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0]));
    await chmod(join(dir, 'plain'), 0o755);
    const found = toolPaths('plain', dir);
    expect(found.path).toBe(join(dir, 'plain'));
    expect(found.readable).toContain(dir);
  });
});

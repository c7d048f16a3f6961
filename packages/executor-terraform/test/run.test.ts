import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectSandbox, NoSandbox, type Sandbox } from '@iac-orchestrator/core';
import { findCommand, prerequisite } from '../../../test-support/prerequisites.js';
import { runTerraform } from '../src/run.js';

const none = { sandbox: new NoSandbox('test'), writablePaths: [], readablePaths: [] };
const found = await detectSandbox();
const sandboxes: Array<[string, Sandbox | null]> = [
  ['no sandbox', none.sandbox],
  ['bwrap', found.available ? found.sandbox : null],
];

const python = findCommand('python3');
const ok = prerequisite('python3', python !== null, 'python3 is not on PATH (used as a process that ignores SIGINT)');

describe.skipIf(!ok)('runTerraform: the stop sequence', () => {
  it.each(sandboxes)('kills the process group after the grace period when SIGINT is ignored (%s)', async (_name, sandbox) => {
    if (!sandbox && !prerequisite('bwrap', false, found.available ? '' : found.reason)) return;
    const controller = new AbortController();
    // A real child that ignores SIGINT, like a wedged CLI; it says when it is ready.
    const script = 'import signal,sys,time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint("ready", flush=True)\ntime.sleep(120)\n';
    const lines: string[] = [];
    const r = await runTerraform({
      // The system Python: a pyenv shim on PATH would need the service's HOME, which the sandbox hides.
      binary: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : python!,
      args: ['-c', script],
      cwd: process.cwd(),
      sandbox: sandbox!,
      writablePaths: [process.cwd()],
      readablePaths: [],
      env: { PATH: process.env.PATH ?? '' },
      signal: controller.signal,
      graceMs: 300,
      onLine: (l) => {
        lines.push(l);
        if (l === 'ready') controller.abort();
      },
    });
    expect(lines).toEqual(['ready']);
    expect(r).toMatchObject({ interrupted: true, killed: true, exitCode: null });
  });

  it('passes only the env it is given and reports a missing binary without throwing', async () => {
    // `env` prints exactly the environment it received.
    const r = await runTerraform({
      binary: findCommand('env') ?? '/usr/bin/env',
      args: [],
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', ONLY_THIS: '1' },
      graceMs: 1000,
      collectStdout: true,
      ...none,
    });
    expect(r.stdout.split('\n').map((l) => l.split('=')[0]).sort()).toEqual(['ONLY_THIS', 'PATH']);
    const missing = await runTerraform({ binary: '/nonexistent/terraform', args: [], cwd: process.cwd(), env: {}, graceMs: 1000, ...none });
    expect(missing.spawnError).toBeTruthy();
    expect(missing.exitCode).toBeNull();
  });
});

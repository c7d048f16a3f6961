import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortStop, BwrapSandbox, detectSandbox, NoSandbox, resolveSandbox, type IsolatedInvocation, type Sandbox, type ToolInvocation } from '@iac-orchestrator/core';
import { prerequisite } from '../../../../test-support/prerequisites.js';

const detection = await detectSandbox();
const ok = prerequisite('bwrap', detection.available, detection.available ? '' : detection.reason);

/** Spawns an isolated invocation as the executors do (argv, no shell, own process group). */
function start(inv: IsolatedInvocation, signal?: AbortSignal, graceMs = 5000) {
  const child = spawn(inv.command, inv.args, { env: inv.env, cwd: inv.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const stop = new AbortStop(signal, child.pid!, inv.stop, graceMs);
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => {
      stop.dispose();
      resolve({ code, out });
    }),
  );
  return { pid: child.pid!, done, stop };
}

/** Every process whose environment holds `needle` (what an attacker inside would look for). */
function processesWithEnv(needle: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/environ`, 'latin1').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(!ok)('BwrapSandbox (real bubblewrap)', () => {
  let root: string;
  let work: string;
  let other: string;
  let sandbox: Sandbox;
  const CANARY = `canary-${Math.random().toString(36).slice(2)}`;
  const sh = (script: string, extra: Partial<ToolInvocation> = {}): ToolInvocation => ({
    command: '/bin/sh', args: ['-c', script], cwd: work, env: { PATH: '/usr/bin:/bin', TOOL_VAR: 'tool-value' }, writablePaths: [work], readablePaths: [], ...extra,
  });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
    work = join(root, 'runs', 'run-1');
    other = join(root, 'runs', 'run-2');
    await mkdir(work, { recursive: true });
    await mkdir(other, { recursive: true });
    await writeFile(join(other, 'secret.tfvars'), `password = "${CANARY}"`);
    await writeFile(join(root, 'data.json'), CANARY);
    process.env.SANDBOX_TEST_CANARY = CANARY;
    sandbox = await resolveSandbox('bwrap');
  });
  afterAll(async () => {
    delete process.env.SANDBOX_TEST_CANARY;
    await rm(root, { recursive: true, force: true });
  });

  it('is what auto picks here, and says what it is', async () => {
    expect((await resolveSandbox('auto')).kind).toBe('bwrap');
    expect(sandbox.describe()).toMatchObject({ kind: 'bwrap', isolated: true });
    expect(new NoSandbox().describe()).toMatchObject({ kind: 'none', isolated: false });
  });

  it("starts bwrap with the tool's environment only: no process inside sees the service's", async () => {
    const inv = sandbox.wrap(sh('cat /proc/1/environ /proc/*/environ 2>/dev/null | tr "\\0" "\\n"; echo; cat /proc/self/stat'));
    expect(inv.env).toEqual({ PATH: '/usr/bin:/bin', TOOL_VAR: 'tool-value', HOME: '/home/sandbox', TMPDIR: '/tmp' });
    const r = await start(inv).done;
    expect(r.code).toBe(0);
    expect(r.out).toContain('TOOL_VAR=tool-value');
    expect(r.out).not.toContain(CANARY);
    expect(r.out).not.toContain('SANDBOX_TEST_CANARY');
  });

  it("cannot see the service's processes, its files, another run's dir, HOME's files", async () => {
    const ppidScript = 'echo "ppid=$PPID"; cat /proc/$PPID/environ 2>&1; echo; ls /proc | grep -E "^[0-9]+$" | wc -l';
    const r = await start(sandbox.wrap(sh(`${ppidScript}; cat ${join(other, 'secret.tfvars')} ${join(root, 'data.json')} 2>&1; ls ${root} 2>&1; ls -A "$HOME"; cat /root/.aws/credentials 2>&1; ls /work 2>&1; echo HOME=$HOME`))).done;
    expect(r.out).not.toContain(CANARY);
    expect(r.out).toMatch(/ppid=1\b/); // bwrap's init: its environment is the tool's, nothing of the service's
    expect(r.out).toContain('HOME=/home/sandbox');
    expect(r.out).toMatch(/secret\.tfvars: No such file or directory/);
    expect(r.out).toMatch(/\.aws\/credentials: No such file or directory/);
    // a handful of processes: bwrap's init, the shell and its pipeline
    const count = Number(/^(\d+)$/m.exec(r.out.split('ppid=')[1]!.split('\n').slice(1).join('\n'))?.[1]);
    expect(count).toBeLessThan(10);
  });

  it('puts no environment value on any command line (/proc/<pid>/cmdline is world-readable)', async () => {
    const credential = `cred-${CANARY}`;
    const inv = sandbox.wrap(sh(`echo "seen=$AWS_SECRET_ACCESS_KEY"; while [ ! -f ${join(work, 'release')} ]; do sleep 0.1; done`, { env: { PATH: '/usr/bin:/bin', AWS_SECRET_ACCESS_KEY: credential } }));
    const run = start(inv);
    await waitFor(() => processesWithEnv(`AWS_SECRET_ACCESS_KEY=${credential}`).length >= 2); // bwrap's init and the tool
    const withCredential = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(credential);
      } catch {
        return false;
      }
    });
    await writeFile(join(work, 'release'), '');
    const r = await run.done;
    expect(withCredential).toEqual([]);
    expect(r.out).toContain(`seen=${credential}`);
  });

  it.skipIf(process.getuid?.() !== 0)('as root, cannot remount a read-only bind writable (--cap-drop ALL)', async () => {
    const ro = join(root, 'ro');
    await mkdir(ro, { recursive: true });
    await writeFile(join(ro, 'host.txt'), 'original');
    const script = `mount -o remount,bind,rw ${ro} 2>&1; echo pwned > ${join(ro, 'host.txt')} 2>&1; echo done`;
    for (const s of [sandbox, await resolveSandbox(new BwrapSandbox({ unshareUser: false }))]) {
      const r = await start(s.wrap(sh(script, { readablePaths: [ro] }))).done;
      expect(r.out).toContain('done');
      expect(readFileSync(join(ro, 'host.txt'), 'utf8')).toBe('original');
    }
  });

  it("a tool binary in the service's HOME exposes that file only, not HOME's other files", async () => {
    const home = join(root, 'home-of-service');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'credentials'), CANARY);
    await writeFile(join(home, 'tool'), '#!/bin/sh\necho tool-ran; cat "$1" 2>&1\n', { mode: 0o755 });
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const r = await start(sandbox.wrap(sh('', { command: join(home, 'tool'), args: [join(home, 'credentials')] }))).done;
      expect(r.out).toContain('tool-ran');
      expect(r.out).not.toContain(CANARY);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('writes the sandbox passwd/group again when a tmp cleaner removed them', async () => {
    const own = new BwrapSandbox();
    const first = own.wrap(sh('true'));
    const passwd = first.args[first.args.indexOf('/etc/passwd') - 1]!;
    await rm(dirname(passwd), { recursive: true, force: true });
    const r = await start(own.wrap(sh('grep -c sandbox /etc/passwd'))).done;
    expect(r.code).toBe(0);
  });

  it('writes only into the run dir (not the host /tmp, not another run)', async () => {
    const hostTmpFile = join(tmpdir(), `escape-${CANARY}`);
    const r = await start(sandbox.wrap(sh(`echo in > ${join(work, 'ok.txt')}; echo x > ${hostTmpFile}; echo x > ${join(other, 'x')} 2>&1; echo x > /usr/x 2>&1; echo done`))).done;
    expect(r.out).toContain('done');
    expect(readFileSync(join(work, 'ok.txt'), 'utf8')).toBe('in\n');
    expect(existsSync(hostTmpFile)).toBe(false); // it went to the private /tmp
    expect(existsSync(join(other, 'x'))).toBe(false);
    expect(existsSync('/usr/x')).toBe(false);
  });

  it('interrupt reaches the tool (SIGINT), which can stop gracefully', async () => {
    const ac = new AbortController();
    const run = start(sandbox.wrap(sh(`trap 'echo graceful > ${join(work, 'stopped')}; exit 3' INT; echo up; while :; do sleep 0.1; done`)), ac.signal);
    await waitFor(() => existsSync(`/proc/${run.pid}`) && processesWithEnv('TOOL_VAR=tool-value').length > 0);
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const r = await run.done;
    expect(r.code).toBe(3);
    expect(readFileSync(join(work, 'stopped'), 'utf8')).toBe('graceful\n');
    expect(run.stop.killed).toBe(false);
  });

  it('kill after the grace period takes everything in the sandbox down', async () => {
    const ac = new AbortController();
    const run = start(sandbox.wrap(sh(`trap '' INT; (while :; do sleep 0.1; done) & while :; do sleep 0.1; done`, { env: { PATH: '/usr/bin:/bin', MARK: CANARY } })), ac.signal, 500);
    // A `sleep` runs only once the trap is set (bwrap carries the env too, so a count of processes could
    // be reached before the shell ignored SIGINT, which it then would not survive: seen under load).
    const sleeping = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep\0');
      } catch {
        return false;
      }
    };
    await waitFor(() => processesWithEnv(`MARK=${CANARY}`).some(sleeping));
    ac.abort();
    await run.done;
    expect(run.stop.killed).toBe(true);
    await waitFor(() => processesWithEnv(`MARK=${CANARY}`).length === 0);
  });

  it('kill -9 of the runner leaves nothing of the sandbox behind (--die-with-parent)', async () => {
    const mark = `MARK2=${CANARY}`;
    const inv = sandbox.wrap(sh('while :; do sleep 0.1; done', { env: { PATH: '/usr/bin:/bin', MARK2: CANARY } }));
    // A stand-in runner: a node process that spawns the sandbox and is then killed with SIGKILL.
    const runner = spawn(process.execPath, ['-e', `require('child_process').spawn(${JSON.stringify(inv.command)}, ${JSON.stringify(inv.args)}, { env: ${JSON.stringify(inv.env)}, stdio: 'ignore' }); setInterval(() => {}, 1000);`], { stdio: 'ignore', env: {} });
    // Wait for the tool itself: bwrap (which now carries the tool's env) arms --die-with-parent only once started.
    const isTool = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('/bin/sh\0');
    await waitFor(() => processesWithEnv(mark).some((pid) => { try { return isTool(pid); } catch { return false; } }));
    runner.kill('SIGKILL');
    await waitFor(() => processesWithEnv(mark).length === 0);
  });
});

describe('resolveSandbox', () => {
  it('none gives no isolation and says so', async () => {
    const s = await resolveSandbox('none');
    expect(s.kind).toBe('none');
    expect(s.describe().detail).toMatch(/no isolation/);
    const inv = s.wrap({ command: 'terraform', args: ['plan'], cwd: '/x', env: { A: '1' }, writablePaths: ['/x'], readablePaths: [] });
    expect(inv).toMatchObject({ command: 'terraform', args: ['plan'], env: { A: '1' } });
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

import { execFile } from 'node:child_process';
import { ValidationError } from '../errors.js';
import type { Sandbox, SandboxSetting } from '../types/sandbox.js';
import { BwrapSandbox } from './bwrap.js';
import { NoSandbox } from './none.js';
import { findExecutable } from './tool-paths.js';

/** What {@link detectSandbox} found: a working sandbox, or the reason there is none. */
export type SandboxDetection = { available: true; sandbox: BwrapSandbox } | { available: false; reason: string };

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // An empty environment, as every real invocation gets; no shell.
    execFile(cmd, args, { env: {}, timeout: 15_000, windowsHide: true }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, out: `${stdout}${stderr}`.trim() || (err ? err.message : '') });
    });
  });
}

/**
 * Finds bubblewrap AND proves that it works here: a trivial command runs inside exactly the sandbox a
 * tool would get. bwrap fails where the surrounding container forbids namespaces (Docker's seccomp
 * profile, a masked /proc, AppArmor's userns restriction, user namespaces switched off); the reason is
 * reported in bwrap's own words. Tries with a user namespace first, then without.
 */
export async function detectSandbox(options: { bwrapPath?: string } = {}): Promise<SandboxDetection> {
  if (process.platform !== 'linux') return { available: false, reason: `bubblewrap needs Linux (this is ${process.platform})` };
  const bwrap = options.bwrapPath ?? findExecutable('bwrap', process.env.PATH) ?? findExecutable('bwrap', '/usr/bin:/usr/local/bin:/bin');
  if (!bwrap) return { available: false, reason: 'bwrap (Debian/Ubuntu package "bubblewrap") is not installed' };
  const trueBin = findExecutable('true', '/usr/bin:/bin');
  if (!trueBin) return { available: false, reason: 'no /usr/bin/true to test bwrap with' };
  const version = (await run(bwrap, ['--version'])).out.replace(/^bubblewrap\s*/, '') || undefined;
  let lastError = '';
  for (const unshareUser of [true, false]) {
    const sandbox = new BwrapSandbox({ bwrapPath: bwrap, unshareUser, ...(version ? { version } : {}) });
    const inv = sandbox.wrap({ command: trueBin, args: [], cwd: '/tmp', env: {}, writablePaths: [], readablePaths: [] });
    const r = await run(inv.command, inv.args);
    if (r.code === 0) return { available: true, sandbox };
    lastError = r.out.split('\n')[0] ?? `exit ${r.code}`;
  }
  return { available: false, reason: `bwrap is installed but cannot create a sandbox here: ${lastError}` };
}

/**
 * Resolves a {@link SandboxSetting}: `auto` = bubblewrap where it works, else {@link NoSandbox} with the
 * reason; `bwrap` = bubblewrap or an error saying why not; `none` = no isolation.
 */
export async function resolveSandbox(setting: SandboxSetting | undefined, options: { bwrapPath?: string } = {}): Promise<Sandbox> {
  if (setting && typeof setting === 'object') return setting;
  const wanted = setting ?? 'auto';
  if (wanted === 'none') return new NoSandbox();
  const found = await detectSandbox(options);
  if (found.available) return found.sandbox;
  if (wanted === 'bwrap') throw new ValidationError(`The bwrap sandbox was asked for but cannot be used: ${found.reason}`, 'sandbox');
  return new NoSandbox(`auto: ${found.reason}`);
}

let autoDetected: Promise<Sandbox> | undefined;

/** The process-wide `auto` sandbox, detected once (for executors used without an orchestrator). */
export function autoSandbox(): Promise<Sandbox> {
  autoDetected ??= resolveSandbox('auto');
  return autoDetected;
}

/** Resolves `setting` on first use and keeps the result; a failure is not kept (the next call tries again,
 * e.g. once bubblewrap is installed). `onResolved` sees the sandbox once, when it is found. */
export function sandboxOnce(setting: SandboxSetting | undefined, onResolved: (s: Sandbox) => void = () => undefined): () => Promise<Sandbox> {
  let resolved: Promise<Sandbox> | undefined;
  return () => {
    const wanted = setting ?? 'auto';
    resolved ??= (wanted === 'auto' ? autoSandbox() : resolveSandbox(wanted)).then(
      (s) => (onResolved(s), s),
      (e: unknown) => {
        resolved = undefined;
        throw e;
      },
    );
    return resolved;
  };
}

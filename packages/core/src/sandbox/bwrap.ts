import { existsSync, lstatSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { ValidationError } from '../errors.js';
import type { IsolatedInvocation, Sandbox, SandboxInfo, ToolInvocation } from '../types/sandbox.js';
import { bwrapStopper } from './stop.js';
import { toolPaths } from './tool-paths.js';

/** Options of {@link BwrapSandbox}. */
export interface BwrapSandboxOptions {
  /** The bubblewrap binary (default `/usr/bin/bwrap`). */
  bwrapPath?: string;
  /** Unshare the user namespace too (default true). Off where the host forbids user namespaces but
   * bwrap is setuid or the service runs as root. */
  unshareUser?: boolean;
  /** Version string for readiness reports. */
  version?: string;
}

/** Top-level system directories a tool may read (symlinks like `/bin → usr/bin` are recreated as links). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The part of `/etc` a CLI needs: TLS roots, name resolution, the dynamic linker's cache, time zones. */
const ETC_FILES = [
  '/etc/ssl', '/etc/ca-certificates', '/etc/pki', '/etc/crypto-policies', '/etc/resolv.conf', '/etc/hosts',
  '/etc/nsswitch.conf', '/etc/host.conf', '/etc/gai.conf', '/etc/services', '/etc/protocols', '/etc/localtime',
  '/etc/timezone', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives', '/etc/mime.types',
];

/** HOME inside the sandbox: private, empty, gone with the process. */
export const SANDBOX_HOME = '/home/sandbox';

/**
 * bubblewrap (`bwrap`): the tool sees a read-only system (`/usr`, the libraries, a subset of `/etc`), its
 * own binary and the paths it was given read-only, the run's work dir as the only writable place, a
 * private `/tmp` and an empty HOME, its own PID namespace (no process of the service, `/proc` of its own),
 * and dies with its runner (`--die-with-parent`). The network is kept: the tools call cloud APIs.
 *
 * bwrap itself is started with exactly the tool's environment (the caller spawns with `extendEnv: false`):
 * its init process (PID 1 in the sandbox) keeps that environment, so nothing of the service's is there,
 * and no value goes on bwrap's argv (`--setenv`), which every local user can read in /proc/<pid>/cmdline
 * while /proc/<pid>/environ is owner-only. `--cap-drop ALL`: a tool started as root must not be able to
 * remount a read-only bind writable.
 */
export class BwrapSandbox implements Sandbox {
  readonly kind = 'bwrap';
  /** The passwd home of the tool's user inside: {@link SANDBOX_HOME}, an empty tmpfs unless bound. */
  readonly userHome = SANDBOX_HOME;
  private readonly bwrap: string;
  private readonly unshareUser: boolean;
  private readonly version: string | undefined;
  private etcDir: string | undefined;

  constructor(options: BwrapSandboxOptions = {}) {
    this.bwrap = options.bwrapPath ?? '/usr/bin/bwrap';
    this.unshareUser = options.unshareUser ?? true;
    this.version = options.version;
  }

  describe(): SandboxInfo {
    const ns = ['pid', 'ipc', 'uts', ...(this.unshareUser ? ['user'] : [])].join(', ');
    return { kind: 'bwrap', isolated: true, detail: `bubblewrap${this.version ? ` ${this.version}` : ''} (${ns} namespaces; read-only system; only the run's work dir writable; network kept)` };
  }

  wrap(inv: ToolInvocation): IsolatedInvocation {
    const writable = inv.writablePaths.map((p) => absolute(p, 'writable path'));
    const readable = inv.readablePaths.map((p) => absolute(p, 'readable path')).filter((p) => p !== '/');
    const cwd = absolute(inv.cwd, 'cwd');
    if (![...writable, ...readable, '/tmp'].some((p) => within(cwd, p))) {
      throw new ValidationError(`The tool's working directory ${cwd} is outside the paths the sandbox exposes`, 'cwd');
    }
    const tool = toolPaths(inv.command, inv.env.PATH);
    const args = [
      '--die-with-parent', '--new-session',
      ...(this.unshareUser ? ['--unshare-user'] : []),
      '--cap-drop', 'ALL',
      '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--hostname', 'sandbox',
      ...systemMounts(),
      '--ro-bind', join(this.etc(), 'passwd'), '/etc/passwd',
      '--ro-bind', join(this.etc(), 'group'), '/etc/group',
      '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp',
      '--tmpfs', '/home', '--dir', SANDBOX_HOME,
    ];
    // Parents before children, so a writable work dir inside a readable tree is mounted on top of it.
    const mounts: Array<[string, string]> = [
      ...tool.readable.filter((p) => p !== '/').map((p): [string, string] => ['--ro-bind-try', p]),
      ...readable.map((p): [string, string] => ['--ro-bind-try', p]),
      ...writable.map((p): [string, string] => ['--bind', p]),
    ].sort((a, b) => depth(a[1]) - depth(b[1]));
    for (const [flag, p] of mounts) args.push(flag, p, p);
    // Last, so a bind lands on top of whatever the paths above put at its target.
    for (const b of inv.binds ?? []) args.push('--ro-bind', absolute(b.source, 'bind source'), absolute(b.target, 'bind target'));
    args.push('--chdir', cwd);
    args.push('--', tool.path, ...inv.args);
    return { command: this.bwrap, args, env: this.toolEnv(inv.env, writable), cwd, stop: bwrapStopper };
  }

  /** The tool's env, with HOME and TMPDIR pointing inside the sandbox unless they are in a writable path. */
  private toolEnv(env: Record<string, string>, writable: string[]): Record<string, string> {
    const out = { ...env };
    if (!out.HOME || !writable.some((w) => within(out.HOME!, w))) out.HOME = SANDBOX_HOME;
    if (!out.TMPDIR || !writable.some((w) => within(out.TMPDIR!, w))) out.TMPDIR = '/tmp';
    return out;
  }

  /** A minimal passwd/group (the running user only, home in the sandbox); written again if a tmp cleaner removed it. */
  private etc(): string {
    if (this.etcDir && existsSync(join(this.etcDir, 'passwd')) && existsSync(join(this.etcDir, 'group'))) return this.etcDir;
    const dir = mkdtempSync(join(tmpdir(), 'iac-sandbox-etc-'));
    const { uid, gid } = userInfo();
    const name = uid === 0 ? 'root' : 'sandbox';
    writeFileSync(join(dir, 'passwd'), `${name}:x:${uid}:${gid}:sandbox:${SANDBOX_HOME}:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`, { mode: 0o644 });
    writeFileSync(join(dir, 'group'), `${name}:x:${gid}:\nnogroup:x:65534:\n`, { mode: 0o644 });
    this.etcDir = dir;
    return dir;
  }
}

function systemMounts(): string[] {
  const out: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    try {
      const st = lstatSync(dir);
      if (st.isSymbolicLink()) out.push('--symlink', readlinkSync(dir), dir);
      else if (st.isDirectory()) out.push('--ro-bind', dir, dir);
    } catch {
      /* not on this system */
    }
  }
  for (const f of ETC_FILES) out.push('--ro-bind-try', f, f);
  return out;
}

function absolute(p: string, what: string): string {
  if (!isAbsolute(p)) throw new ValidationError(`The sandbox needs absolute paths; ${what} "${p}" is relative`, what);
  return resolve(p);
}

function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

const depth = (p: string): number => p.split(sep).length;

import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Terraform checks every provider package against the lock file's hashes on EVERY command, not only at
 * `init`: for the hashicorp/aws provider that is reading and hashing a ~700 MB binary, ~0.6 s per plan,
 * apply or show. Where a stack's initialised data dir is reused (warm-init.ts) the packages were checked
 * by the `init` that built it, and they live where no run can write (the plugin cache and the warm dir
 * are read-only inside the sandbox). So the runs get the lock file without its `hashes` (Terraform skips
 * the check for a lock entry with none) after this module has made sure that every file of those
 * packages is still the very file `init` checked: same device, inode, size, mtime and ctime (a ctime
 * cannot be set back by anyone, so any write, rename or chmod since shows). Anything else is a new
 * `init`, which checks the hashes again.
 */

/** One file or directory of a provider package as `init` left it. */
export interface FileIdentity {
  path: string;
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  /** Directories: the sorted names in it (a file added to a package changes its hash). */
  entries?: string[];
}

async function identityOf(path: string): Promise<FileIdentity> {
  const st = await lstat(path, { bigint: true });
  const id: FileIdentity = { path, dev: String(st.dev), ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
  if (st.isDirectory()) id.entries = (await readdir(path)).sort();
  return id;
}

/** Every file and directory under `dir` (not following symlinks inside it), `dir` first. */
async function walk(dir: string, out: FileIdentity[]): Promise<void> {
  const id = await identityOf(dir);
  out.push(id);
  for (const name of id.entries ?? []) {
    const p = join(dir, name);
    const st = await lstat(p);
    if (st.isDirectory()) await walk(p, out);
    else out.push(await identityOf(p));
  }
}

/**
 * The identities of every provider package a data dir holds or links to
 * (`providers/<host>/<namespace>/<type>/<version>/<os_arch>`, usually a symlink into the plugin cache),
 * and of the links themselves. Empty when the configuration uses no provider plugins.
 */
export async function providerIdentities(dataDir: string): Promise<FileIdentity[]> {
  const out: FileIdentity[] = [];
  const root = join(dataDir, 'providers');
  const level = async (dir: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      if (depth < 4) await level(p, depth + 1);
      else {
        out.push(await identityOf(p));
        await walk(await realpath(p), out);
      }
    }
  };
  await level(root, 0);
  return out;
}

/** Whether every recorded file is still the one `init` checked. Never throws. */
export async function unchangedSinceInit(recorded: readonly FileIdentity[]): Promise<boolean> {
  try {
    for (const was of recorded) {
      const now = await identityOf(was.path);
      if (JSON.stringify(now) !== JSON.stringify(was)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

const HASHES = /^[ \t]*hashes[ \t]*=[ \t]*\[[^\]]*\][ \t]*\r?\n?/gm;

/**
 * The lock file with its `hashes` lists removed (versions and constraints kept), or null when it cannot
 * be done cleanly (a hash left over): the caller then keeps the full lock and Terraform checks as usual.
 */
export function lockWithoutHashes(lock: string): string | null {
  const out = lock.replace(HASHES, '');
  const providers = (text: string) => text.match(/\bprovider\s+"/g)?.length ?? 0;
  if (/\b(?:h1|zh):[A-Za-z0-9+/=]/.test(out) || providers(out) !== providers(lock)) return null;
  return out;
}

import { createHash } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Terraform checks every provider package against the lock file's hashes on every command, not only at
 * `init`: on the aws provider (~700 MB) that is most of a second of each plan, apply or show. It skips the
 * check for a lock entry without hashes. So the runner pins what Terraform verified: around the first
 * plan or apply of a warm build (warm-init.ts) that Terraform ran with the full lock file, it records
 * the identity (device, inode, mode, size, mtime, ctime) of every file and dir of each provider package,
 * before and after; when the command succeeded (so Terraform found every package matching the lock) and
 * nothing changed in between, that record is kept with the build. A later run whose packages still have
 * exactly those identities gets the lock minus its hashes. Writing a file, replacing it, linking it
 * elsewhere or changing its mode all change its ctime, which no unprivileged process can set back, so an
 * unchanged identity is the same bytes Terraform checked. The runner hashes packages itself (as Terraform
 * does) only where no such record can be had: the apply of a hash-less saved plan in a fresh dir.
 * @module
 */

/** One provider of a lock file, as `terraform init` writes it. */
export interface LockedProvider {
  address: string;
  version: string;
  hashes: string[];
}

/** The identity of one file or directory of a package: what any change to it would change. */
type Identity = [rel: string, dev: string, ino: string, mode: string, size: string, mtimeNs: string, ctimeNs: string];

/** A provider package as it was when hashed: its real dir and every entry's identity. */
export interface TrustedPackage {
  address: string;
  version: string;
  dir: string;
  entries: Identity[];
}

/** What a build verified: every provider of its lock file (none skipped, else no record at all). */
export interface TrustRecord {
  v: 1;
  providers: TrustedPackage[];
}

/** A package larger than this is not hashed by the runner (Terraform still checks it itself). */
const MAX_PACKAGE_BYTES = 4 * 1024 ** 3;
/** Files and dirs of one package: a provider package is a handful. */
const MAX_PACKAGE_ENTRIES = 1000;

/**
 * The providers of a lock file in Terraform's own layout, or null when it has anything else (a hand-made
 * lock file is used as it is: its hashes are never dropped).
 */
export function parseLock(text: string): LockedProvider[] | null {
  const providers: LockedProvider[] = [];
  let cur: LockedProvider | null = null;
  let inHashes = false;
  for (const line of text.split('\n')) {
    if (line === '' || (!cur && line.startsWith('#'))) continue;
    let m: RegExpExecArray | null;
    if (!cur) {
      if (!(m = /^provider "([a-z0-9.-]+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+)" \{$/.exec(line))) return null;
      cur = { address: m[1]!, version: '', hashes: [] };
    } else if (inHashes) {
      if ((m = /^ {4}"((?:h1|zh):[A-Za-z0-9+/=]+)",$/.exec(line))) cur.hashes.push(m[1]!);
      else if (line === '  ]') inHashes = false;
      else return null;
    } else if ((m = /^ {2}version {1,}= "([0-9A-Za-z.+-]+)"$/.exec(line))) cur.version = m[1]!;
    // Version constraints only: no `${`, `%{` or comment that HCL would read differently from this parser.
    else if (/^ {2}constraints {1,}= "[0-9A-Za-z.,<>=~!^+ -]*"$/.test(line)) continue;
    else if (line === '  hashes = [') inHashes = true;
    else if (line === '}') {
      if (!cur.version) return null;
      providers.push(cur);
      cur = null;
    } else return null;
  }
  return cur || inHashes ? null : providers;
}

/** The lock file with every provider's hashes left out (the same file otherwise): see the module doc. */
export function withoutHashes(text: string): string {
  return text.replace(/^ {2}hashes = \[\n(?: {4}"[^"\n]*",\n)* {2}\]\n/gm, '');
}

/** Terraform's directory name for this machine's platform (`linux_amd64`). */
function platformDir(): string {
  const arch = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[process.arch] ?? process.arch;
  return `${process.platform}_${arch}`;
}

/** Where Terraform finds a locked provider in a data dir (`TF_DATA_DIR`). */
function packageLink(dataDir: string, p: LockedProvider): string {
  return join(dataDir, 'providers', ...p.address.split('/'), p.version, platformDir());
}

const identityOf = (rel: string, st: BigIntStats): Identity => [rel, `${st.dev}`, `${st.ino}`, `${st.mode}`, `${st.size}`, `${st.mtimeNs}`, `${st.ctimeNs}`];

/** Every entry of a package dir (itself first), by relative path; null when it holds links, special
 * files, or more entries or bytes than a provider package has. */
async function walkPackage(dir: string): Promise<{ entries: Identity[]; files: string[] } | null> {
  const entries: Identity[] = [];
  const files: string[] = [];
  let bytes = 0n;
  const walk = async (rel: string): Promise<boolean> => {
    const st = await lstat(rel ? join(dir, rel) : dir, { bigint: true });
    entries.push(identityOf(rel || '.', st));
    if (entries.length > MAX_PACKAGE_ENTRIES) return false;
    if (st.isFile()) {
      files.push(rel);
      bytes += st.size;
      return bytes <= MAX_PACKAGE_BYTES;
    }
    if (!st.isDirectory()) return false;
    for (const name of (await readdir(rel ? join(dir, rel) : dir)).sort()) {
      if (name.includes('\n') || !(await walk(rel ? `${rel}/${name}` : name))) return false;
    }
    return true;
  };
  try {
    return (await walk('')) ? { entries, files } : null;
  } catch {
    return null;
  }
}

/** sha256 of one regular file, read without following a link. */
async function fileSha256(path: string): Promise<string> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!(await fh.stat()).isFile()) throw new Error(`${path} is not a regular file`);
    const h = createHash('sha256');
    for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) h.update(chunk as Buffer);
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}

/** Terraform's `h1:` package hash (Go's dirhash Hash1): sha256 over the sorted "<file sha256>  <path>" lines. */
async function packageHashV1(dir: string, files: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of [...files].sort()) h.update(`${await fileSha256(join(dir, f))}  ${f}\n`);
  return `h1:${h.digest('base64')}`;
}

const sameEntries = (a: Identity[], b: Identity[]): boolean => a.length === b.length && a.every((e, i) => e.length === b[i]!.length && e.every((x, j) => x === b[i]![j]));

/**
 * Every provider package the lock file names in `dataDir`, walked; `check` may refuse one (null). Null
 * when the lock is not Terraform's, or a package is missing or not a plain package (links, special
 * files, too big).
 */
async function recordPackages(dataDir: string, lockText: string, check?: (p: LockedProvider, dir: string, walked: { entries: Identity[]; files: string[] }) => Promise<boolean>): Promise<TrustRecord | null> {
  const locked = parseLock(lockText);
  if (!locked || locked.length === 0) return null;
  const providers: TrustedPackage[] = [];
  try {
    for (const p of locked) {
      const dir = await realpath(packageLink(dataDir, p));
      const walked = await walkPackage(dir);
      if (!walked || walked.files.length === 0 || (check && !(await check(p, dir, walked)))) return null;
      providers.push({ address: p.address, version: p.version, dir, entries: walked.entries });
    }
  } catch {
    return null;
  }
  return { v: 1, providers };
}

/** The identities of every provider package the lock file names in `dataDir`, as they are now. */
export function snapshotPackages(dataDir: string, lockText: string): Promise<TrustRecord | null> {
  return recordPackages(dataDir, lockText);
}

/** Whether two records name the same packages, at the same real dirs, every entry unchanged. */
export function sameRecord(a: TrustRecord, b: TrustRecord): boolean {
  return a.providers.length === b.providers.length && a.providers.every((p, i) => p.address === b.providers[i]!.address && p.version === b.providers[i]!.version && p.dir === b.providers[i]!.dir && sameEntries(p.entries, b.providers[i]!.entries));
}

/**
 * Hashes every provider package the lock file names in `dataDir` and records their identities; null
 * unless every one of them matches one of its `h1:` hashes and did not change while being hashed.
 */
export function verifyPackages(dataDir: string, lockText: string): Promise<TrustRecord | null> {
  return recordPackages(dataDir, lockText, async (p, dir, before) => {
    const hash = await packageHashV1(dir, before.files);
    const after = await walkPackage(dir);
    return after !== null && sameEntries(before.entries, after.entries) && p.hashes.includes(hash);
  });
}

/**
 * Whether the packages `dataDir` gives Terraform for the lock file are still, file by file, those the
 * record names: the same providers and versions, reached at the same real dirs, every entry unchanged.
 */
export async function stillTrusted(dataDir: string, lockText: string, record: TrustRecord): Promise<boolean> {
  const now = await snapshotPackages(dataDir, lockText);
  return now !== null && sameRecord(now, record);
}

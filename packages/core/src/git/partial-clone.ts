import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Blobs over the bundle's file limit are left on the server (`fetch --filter=blob:limit=<n>`), which needs the
 * temp repository to be a partial clone of a remote named `origin` (its URL is given in the fetch's own
 * environment, never written here). Servers without filter support send everything, as before.
 */
export async function makePartialClone(repo: string): Promise<void> {
  await writeFile(join(repo, '.git', 'config'), '[core]\n\trepositoryformatversion = 1\n\tbare = false\n[extensions]\n\tpartialClone = origin\n');
}

/**
 * After the fetch: a plain repository again, with no promisor remote, so that reading a blob the filter left
 * out never makes git fetch it lazily (`ls-tree --long` shows its size as `BAD`, `cat-file` as missing).
 */
export async function endPartialClone(repo: string): Promise<void> {
  await writeFile(join(repo, '.git', 'config'), '[core]\n\trepositoryformatversion = 0\n\tbare = false\n');
}

/** The environment of the one fetch: `remote.origin.url` added to git's environment config. */
export function withOrigin(env: Record<string, string>, url: string): Record<string, string> {
  const n = Number(env.GIT_CONFIG_COUNT ?? '0');
  return { ...env, GIT_CONFIG_COUNT: String(n + 1), [`GIT_CONFIG_KEY_${n}`]: 'remote.origin.url', [`GIT_CONFIG_VALUE_${n}`]: url };
}

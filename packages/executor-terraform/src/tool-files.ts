/**
 * Files in the run's work dir, which the tool (hostile user code: a local-exec) can write too, while the
 * runner reads and writes them outside the sandbox. A planted symlink must never make the runner read a
 * host file (into the stored state or plan) nor write one: reads open with O_NOFOLLOW and take regular
 * files only, bounded in size; writes remove whatever is at the path and create the file exclusively
 * (O_EXCL does not follow a symlink either), so a race only fails the write.
 * @module
 */
import { constants } from 'node:fs';
import { open, rm, writeFile } from 'node:fs/promises';
import { TERRAFORM_DEFAULTS } from './defaults.js';

/** The file's bytes; null when it is missing, a symlink, not a regular file or larger than `maxBytes`. */
export async function readToolFile(path: string, maxBytes: number = TERRAFORM_DEFAULTS.maxStateBytes): Promise<Buffer | null> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > maxBytes) return null;
    const bytes = await fh.readFile();
    return bytes.length > maxBytes ? null : bytes;
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

/** Writes a private (0600) file the runner owns, replacing whatever the tool may have put at the path. */
export async function writeRunnerFile(path: string, data: string | Uint8Array): Promise<void> {
  await rm(path, { force: true, recursive: false });
  await writeFile(path, data, { mode: 0o600, flag: 'wx' });
}

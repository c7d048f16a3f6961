import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes under `dir` (regular files, not following symlinks); stops counting once past `stopAt`. */
export async function dirBytes(dir: string, stopAt = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (total > stopAt) return;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) total += (await lstat(p).catch(() => null))?.size ?? 0;
    }
  };
  await walk(dir);
  return total;
}

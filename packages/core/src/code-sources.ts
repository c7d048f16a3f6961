import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CodeRequest, CodeSource } from './types/code-source.js';
import { CodeSourceError, ValidationError } from './errors.js';
import { BUNDLE_LIMITS } from './stack.js';

/** Accepts only inline `files`; a request naming a generator job fails clearly. */
export class InlineCodeSource implements CodeSource {
  async resolve(request: CodeRequest): Promise<Record<string, string>> {
    if (request.files) return request.files;
    throw new CodeSourceError('Failed to fetch generated code: no IaC generator is configured (send the files inline)');
  }
}

/**
 * Reads a blueprint's code from `<root>/<blueprintId>/` (or `<root>/<generationJobId>/` when that exists),
 * for local use without a generator. Inline files still win.
 */
export class DirectoryCodeSource implements CodeSource {
  constructor(private readonly root: string) {}

  async resolve(request: CodeRequest): Promise<Record<string, string>> {
    if (request.files) return request.files;
    for (const name of [request.generationJobId, request.blueprintId]) {
      if (!name || name.includes('/') || name.includes('..')) continue;
      const dir = join(this.root, name);
      const s = await stat(dir).catch(() => null);
      if (s?.isDirectory()) return readTree(dir);
    }
    throw new CodeSourceError('Failed to fetch generated code: Job not found');
  }
}

async function readTree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue; // .terraform, .git: never part of the code
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const content = await readFile(p, 'utf8');
        total += content.length;
        if (total > BUNDLE_LIMITS.maxTotalBytes) throw new ValidationError('Directory holds more code than a bundle may', 'files');
        files[relative(dir, p).split(sep).join('/')] = content;
      }
    }
  };
  await walk(dir);
  return files;
}

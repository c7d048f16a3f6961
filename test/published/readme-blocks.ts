import { readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, publishedPackageDirs } from './packed.js';

/** What a README block is for the docs test: run it, only type-check it, or leave it out. */
export type BlockMode = 'run' | 'typecheck-only' | 'skip';

/** One TypeScript block of a README. */
export interface ReadmeBlock {
  /** e.g. `packages/core/README.md:42` */
  where: string;
  /** A file name for the block in the consumer app. */
  file: string;
  code: string;
  mode: BlockMode;
  /** Why a block is not run (required by the marker). */
  reason?: string;
}

/**
 * The marker, on the line(s) right above a block: `<!-- docs-test: skip: why -->` (a fragment: neither
 * checked nor run) or `<!-- docs-test: typecheck-only: why -->` (checked against the packed packages, not
 * run: it needs a cloud, a server or another long-lived thing). Unmarked blocks are checked and run.
 */
const MARKER = /^<!--\s*docs-test:\s*(skip|typecheck-only)\s*(?::\s*(.*?))?\s*-->$/;

/** Every README whose blocks are tested: the root one, each package's and the examples'. */
export function readmes(): string[] {
  return [join(ROOT, 'README.md'), ...publishedPackageDirs().map((d) => join(d, 'README.md')), join(ROOT, 'examples', 'README.md')].filter((f) => existsSync(f));
}

export function extractBlocks(path: string): ReadmeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const rel = relative(ROOT, path);
  const slug = rel.replace(/README\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'root';
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    let j = start - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    const marker = j >= 0 ? MARKER.exec(lines[j].trim()) : null;
    const mode: BlockMode = marker ? (marker[1] as BlockMode) : 'run';
    blocks.push({ where: `${rel}:${start + 1}`, file: `${slug}-${blocks.length + 1}`, code: body.join('\n'), mode, reason: marker?.[2] || undefined });
  }
  return blocks;
}

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import type { Format } from '@iac-orchestrator/core';
import { UsageError } from './connection.js';

/** Never sent: local tool caches, state files (the service keeps state), version control. */
const SKIP = (name: string) => name.startsWith('.') || /\.tfstate(\.backup)?$/.test(name) || name === 'node_modules';

/** Reads a directory (recursively) or a single file into the `files` map of a deploy request. */
export async function readBundle(path: string): Promise<Record<string, string>> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new UsageError(`${path}: no such file or directory`);
  if (info.isFile()) return { [basename(path)]: await readFile(path, 'utf8') };
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (SKIP(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files[relative(path, full).split(sep).join('/')] = await readFile(full, 'utf8');
    }
  };
  await walk(path);
  if (Object.keys(files).length === 0) throw new UsageError(`${path}: no files to deploy`);
  return files;
}

/** The format a bundle's files suggest, when `--format` is not given. */
export function guessFormat(files: Record<string, string>): Format | null {
  const exts = new Set(Object.keys(files).map((f) => extname(f)));
  if (exts.has('.tf')) return 'terraform';
  if (exts.has('.bicep')) return 'bicep';
  if (exts.has('.yaml') || exts.has('.yml') || exts.has('.template')) return 'cloudformation';
  return null;
}

/** `--var name=value` (repeatable); a value that reads as JSON (number, bool, list, object) is passed as such. */
export function collectVar(spec: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--var ${spec}: expected name=value`);
  const name = spec.slice(0, eq);
  const raw = spec.slice(eq + 1);
  let value: unknown = raw;
  if (/^(-?\d+(\.\d+)?|true|false|null|\[.*\]|\{.*\})$/s.test(raw.trim())) {
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
  }
  return { ...previous, [name]: value };
}

import { accessSync, closeSync, constants, openSync, readSync, realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { ExecutorUnavailableError } from '../errors.js';

/** Finds an executable: a path as given, else the first match on `pathList`. Never spawns anything. */
export function findExecutable(command: string, pathList: string | undefined): string | null {
  if (command.includes('/')) return canExecute(resolve(command)) ? resolve(command) : null;
  for (const dir of (pathList ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const p = join(dir, command);
    if (canExecute(p)) return p;
  }
  return null;
}

function canExecute(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The interpreter of a script (`#!/path/python`, `#!/usr/bin/env python3`), or null for a binary. */
function interpreterOf(file: string, pathList: string | undefined): string | null {
  let head = '';
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(256);
      head = buf.subarray(0, readSync(fd, buf, 0, 256, 0)).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  if (!head.startsWith('#!')) return null;
  const [interp, arg] = head.slice(2).split('\n')[0]!.trim().split(/\s+/);
  if (!interp) return null;
  if (interp.endsWith('/env') && arg) return findExecutable(arg, pathList);
  return interp;
}

/**
 * The tool's absolute path, and the read-only directories it needs to run: the directory it is found
 * in, the one its symlinks lead to, and for a script the installation its interpreter belongs to
 * (a pyenv or venv Python: `<prefix>/bin/python` → `<prefix>`).
 */
export function toolPaths(command: string, pathList: string | undefined): { path: string; readable: string[] } {
  const found = findExecutable(command, pathList) ?? findExecutable(command, process.env.PATH);
  if (!found) throw new ExecutorUnavailableError(`${command} was not found on PATH`);
  const readable = new Set<string>([dirname(found)]);
  let real = found;
  try {
    real = realpathSync(found);
  } catch {
    /* keep the path as found */
  }
  readable.add(dirname(real));
  const interp = interpreterOf(real, pathList ?? process.env.PATH);
  if (interp) {
    let realInterp = interp;
    try {
      realInterp = realpathSync(interp);
    } catch {
      /* a broken interpreter link: the tool will say so */
    }
    for (const p of [interp, realInterp]) {
      const bin = dirname(p);
      readable.add(bin.endsWith('/bin') ? dirname(bin) : bin);
    }
  }
  return { path: found, readable: [...readable] };
}

import { accessSync, closeSync, constants, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
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

/**
 * A pyenv shim (`~/.pyenv/shims/aws`) runs `pyenv exec`, which needs pyenv's whole tree and HOME: the
 * sandbox runs the installed tool it stands for instead (`<PYENV_ROOT>/versions/<version>/bin/<name>`,
 * the version from `PYENV_VERSION` or pyenv's global `version` file). Null when it is no shim.
 */
function pyenvTarget(file: string): string | null {
  // A shim is a short script: its head is enough (reading a whole 100 MB binary on every run is not).
  const text = fileHead(file, 2000);
  const root = /export PYENV_ROOT="([^"]+)"/.exec(text)?.[1];
  if (!root || !text.includes('/libexec/pyenv" exec')) return null;
  let versions = (process.env.PYENV_VERSION ?? '').split(':');
  try {
    versions = [...versions, ...readFileSync(join(root, 'version'), 'utf8').split(/[\s:]+/)];
  } catch {
    /* no global version file */
  }
  for (const v of versions.filter(Boolean)) {
    const candidate = join(root, 'versions', v, 'bin', basename(file));
    if (canExecute(candidate)) return candidate;
  }
  return null;
}

/** The first `bytes` bytes of a file as latin1 text ('' when it cannot be read). */
function fileHead(file: string, bytes: number): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(bytes);
      return buf.subarray(0, readSync(fd, buf, 0, bytes, 0)).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** The interpreter of a script (`#!/path/python`, `#!/usr/bin/env python3`), or null for a binary. */
function interpreterOf(file: string, pathList: string | undefined): string | null {
  const head = fileHead(file, 256);
  if (!head.startsWith('#!')) return null;
  const [interp, arg] = head.slice(2).split('\n')[0]!.trim().split(/\s+/);
  if (!interp) return null;
  if (interp.endsWith('/env') && arg) return findExecutable(arg, pathList);
  return interp;
}

/**
 * What to expose for a tool file found in `dir`: the directory, unless it holds the service's HOME or
 * data dir (a binary dropped in `~`): then the file alone, so HOME's credentials stay out of reach.
 */
function exposed(dir: string, file: string): string {
  const guarded = [process.env.HOME, process.env.ORCHESTRATOR_DATA_DIR].filter((p): p is string => !!p && isAbsolute(p)).map((p) => resolve(p));
  const holds = (d: string, p: string) => d === '/' || p === d || p.startsWith(d.endsWith(sep) ? d : d + sep);
  return guarded.some((g) => holds(resolve(dir), g)) ? file : dir;
}

/**
 * The tool's absolute path, and the read-only directories it needs to run: the directory it is found
 * in, the one its symlinks lead to, and for a script the installation its interpreter belongs to
 * (a pyenv or venv Python: `<prefix>/bin/python` → `<prefix>`).
 */
export function toolPaths(command: string, pathList: string | undefined): { path: string; readable: string[] } {
  const onPath = findExecutable(command, pathList) ?? findExecutable(command, process.env.PATH);
  if (!onPath) throw new ExecutorUnavailableError(`${command} was not found on PATH`);
  const found = pyenvTarget(onPath) ?? onPath;
  const readable = new Set<string>([exposed(dirname(found), found)]);
  let real = found;
  try {
    real = realpathSync(found);
  } catch {
    /* keep the path as found */
  }
  readable.add(exposed(dirname(real), real));
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
      readable.add(exposed(bin.endsWith('/bin') ? dirname(bin) : bin, p));
    }
  }
  return { path: found, readable: [...readable] };
}

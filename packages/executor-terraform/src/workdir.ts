import { lstat, mkdir, open, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ExecutorError, ValidationError, validateBundlePath, type Bundle } from '@iac-orchestrator/core';
import { TERRAFORM_DEFAULTS } from './defaults.js';
import { readToolFile, writeRunnerFile } from './tool-files.js';

/** Where things live inside one deployment's private work dir. */
export interface WorkLayout {
  root: string;
  /** Terraform's working directory: the bundle, `.terraform/`, the local state. */
  stackDir: string;
  planFile: string;
  driftPlanFile: string;
  varFile: string;
  /** Records which bundle and plan the stack dir was prepared for, so a same-process apply skips re-init. */
  marker: string;
  /** The last state Terraform wrote to the served backend, kept for a recovery on this machine. */
  receivedState: string;
}

/** The file that points a bundle without a backend of its own at the state backend the runner serves. */
export const BACKEND_FILE = 'orchestrator_backend_override.tf';

export function layoutOf(workDir: string): WorkLayout {
  const stackDir = join(workDir, TERRAFORM_DEFAULTS.stackDir);
  return {
    root: workDir,
    stackDir,
    planFile: join(workDir, TERRAFORM_DEFAULTS.planFile),
    driftPlanFile: join(workDir, 'drift.tfplan'),
    varFile: join(workDir, TERRAFORM_DEFAULTS.varFile),
    marker: join(workDir, 'prepared.json'),
    receivedState: join(workDir, 'received.tfstate'),
  };
}

/** Local state files Terraform reads or writes in the stack dir; a bundle may not bring its own. */
export const STATE_FILES = ['terraform.tfstate', 'terraform.tfstate.backup', 'errored.tfstate'] as const;

/** Validates a bundle's file names: core's rules, plus nothing that would pose as Terraform's own files. */
export function validateBundleFiles(bundle: Bundle): void {
  for (const path of Object.keys(bundle.files)) {
    validateBundlePath(path);
    const top = path.split('/')[0]!;
    if (top === 'terraform.d') {
      // Terraform's implicit local mirror: its providers would be installed into the plugin cache that
      // every stack shares (one stack could point another's provider at its own files).
      throw new ValidationError(`Invalid file name "${path}": provider plugins (terraform.d/) cannot be part of the code; providers come from the configured mirror or registry`, `files.${path}`);
    }
    if (top === '.terraform' || top === 'terraform.tfstate.d' || path === BACKEND_FILE || (STATE_FILES as readonly string[]).includes(path) || path.endsWith('.tfstate')) {
      throw new ValidationError(`Invalid file name "${path}": Terraform state and .terraform/ files cannot be part of the code`, `files.${path}`);
    }
  }
}

/**
 * Creates the private dirs (0700) and writes the bundle (0600), after validating every name. The stack
 * dir is made anew: a work dir prepared again after a plan may hold what that plan's user code left in
 * it (links to host paths that `mkdir -p` and `writeFile` would follow outside the sandbox), and `rm`
 * removes a link itself, never what it points to.
 */
export async function writeBundle(layout: WorkLayout, bundle: Bundle): Promise<void> {
  validateBundleFiles(bundle);
  await mkdir(layout.root, { recursive: true, mode: 0o700 });
  await rm(layout.stackDir, { recursive: true, force: true });
  await mkdir(layout.stackDir, { mode: 0o700 });
  for (const [path, content] of Object.entries(bundle.files)) {
    const target = join(layout.stackDir, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await writeFile(target, content, { mode: 0o600, flag: 'wx' });
  }
}

/**
 * Throws unless the stack dir is still the directory the runner made, right under the work dir: after a
 * plan, before the runner writes into it again, since the plan's user code could have put a link there.
 */
export async function assertOwnStackDir(layout: WorkLayout): Promise<void> {
  if (!(await isOwnStackDir(layout))) throw new ExecutorError('The work dir was changed since the plan (its stack dir is no longer the one the runner made): plan again');
}

/** Whether the stack dir is a real directory right under the work dir (see {@link assertOwnStackDir}). */
export async function isOwnStackDir(layout: WorkLayout): Promise<boolean> {
  const st = await lstat(layout.stackDir).catch(() => null);
  if (!st?.isDirectory()) return false;
  const root = await realpath(layout.root).catch(() => null);
  return root !== null && (await realpath(layout.stackDir).catch(() => '')) === join(root, TERRAFORM_DEFAULTS.stackDir);
}

/**
 * Declares the `http` backend for a bundle that has none. Its address and one-run credentials come from
 * the environment (`TF_HTTP_*`), so nothing secret and nothing that changes between plan and apply (the
 * port) is written here or into the saved plan.
 */
export async function writeServedBackend(layout: WorkLayout): Promise<void> {
  await writeRunnerFile(join(layout.stackDir, BACKEND_FILE), '# Written by the orchestrator: the state goes to the runner that started Terraform.\nterraform {\n  backend "http" {}\n}\n');
}

/** Restores the stack's prior state as the local `terraform.tfstate` (no-op for a new stack). */
export async function restoreState(layout: WorkLayout, priorState: unknown): Promise<void> {
  if (priorState === null || priorState === undefined) return;
  await assertOwnStackDir(layout);
  await writeRunnerFile(join(layout.stackDir, 'terraform.tfstate'), JSON.stringify(priorState, null, 2));
}

/** Writes the variables as a JSON var file outside the stack dir; returns its path, or undefined if none. */
export async function writeVariables(layout: WorkLayout, variables: Record<string, unknown>): Promise<string | undefined> {
  const names = Object.keys(variables);
  if (names.length === 0) return undefined;
  for (const n of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(n)) throw new ValidationError(`Invalid variable name "${n.slice(0, 64)}"`, `options.variables.${n.slice(0, 64)}`);
  }
  await writeRunnerFile(layout.varFile, JSON.stringify(variables));
  return layout.varFile;
}

/** Whether the bundle configures its own backend (or HCP Terraform `cloud`), so state lives there. */
export function hasOwnBackend(bundle: Bundle): boolean {
  for (const [path, content] of Object.entries(bundle.files)) {
    if (path.endsWith('.tf')) {
      const code = content.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)(#|\/\/).*$/gm, '$1');
      if (/(^|\n)\s*backend\s+"[A-Za-z0-9_-]+"\s*\{/.test(code) || /(^|\n)\s*cloud\s*\{/.test(code)) return true;
    } else if (path.endsWith('.tf.json')) {
      try {
        const doc = JSON.parse(content) as { terraform?: unknown };
        const blocks = Array.isArray(doc.terraform) ? doc.terraform : [doc.terraform];
        if (blocks.some((b) => b && typeof b === 'object' && ('backend' in b || 'cloud' in b))) return true;
      } catch {
        /* Terraform will report the syntax error itself */
      }
    }
  }
  return false;
}

/** Whether the bundle's own backend is `local`: a state file on this machine's disk. */
export function hasLocalBackend(bundle: Bundle): boolean {
  return Object.entries(bundle.files).some(([path, content]) =>
    path.endsWith('.tf.json')
      ? /"backend"\s*:\s*\{\s*"local"/.test(content)
      : /(^|\n)\s*backend\s+"local"\s*\{/.test(content.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)(#|\/\/).*$/gm, '$1')),
  );
}

/** Reads a JSON file, or null if it is missing or unreadable. */
export async function readJson<T>(path: string): Promise<T | null> {
  try {
    const bytes = await readToolFile(path);
    return bytes === null ? null : (JSON.parse(bytes.toString('utf8')) as T);
  } catch {
    return null;
  }
}

/** Files that may hold secrets in clear: state, saved plans (they embed variable values), the var file. */
function secretFiles(layout: WorkLayout): string[] {
  return [
    ...STATE_FILES.map((f) => join(layout.stackDir, f)),
    join(layout.stackDir, '.terraform', 'terraform.tfstate'),
    layout.planFile,
    layout.driftPlanFile,
    layout.varFile,
    layout.receivedState,
  ];
}

/**
 * Overwrites a regular file with zeros, never following a symlink out of the work dir: neither the file
 * nor a dir on its way may be one (a run could link `stack/.terraform` to a stack's warm data dir).
 */
async function overwrite(layout: WorkLayout, realRoot: string, path: string): Promise<void> {
  try {
    if ((await realpath(dirname(path))) !== join(realRoot, relative(layout.root, dirname(path)))) return;
    const st = await lstat(path);
    if (!st.isFile()) return;
    const fh = await open(path, 'r+');
    try {
      await fh.write(Buffer.alloc(st.size), 0, st.size, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* missing: nothing to scrub */
  }
}

/** Scrubs the secret-bearing files, then removes the work dir unless asked to keep it. Never throws. */
export async function scrubWorkDir(layout: WorkLayout, keep: boolean): Promise<void> {
  if (keep) return;
  const realRoot = await realpath(layout.root).catch(() => layout.root);
  for (const f of secretFiles(layout)) await overwrite(layout, realRoot, f);
  // Provider dirs under .terraform are symlinks into the shared plugin cache: rm removes the links only.
  await rm(layout.root, { recursive: true, force: true }).catch(() => undefined);
}

import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ValidationError, type Bundle } from '@iac-orchestrator/core';

/** Where a deployment's files go inside its work dir. */
export const layout = (workDir: string) => ({
  bundleDir: join(workDir, 'bundle'),
  templateFile: join(workDir, 'template.json'),
  parametersFile: join(workDir, 'parameters.json'),
});

/** Writes the bundle's files under `<workDir>/bundle` (re-checking that no path escapes it). */
export async function writeBundle(workDir: string, bundle: Bundle): Promise<string> {
  const { bundleDir } = layout(workDir);
  await rm(bundleDir, { recursive: true, force: true });
  await mkdir(bundleDir, { recursive: true, mode: 0o700 });
  const root = resolve(bundleDir) + sep;
  for (const [path, content] of Object.entries(bundle.files)) {
    const target = resolve(bundleDir, path);
    if (!target.startsWith(root)) throw new ValidationError(`Invalid file name "${path}"`, `files.${path}`);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await writeFile(target, content, { mode: 0o600 });
  }
  return bundleDir;
}

/** Writes a file only the executor's user can read (parameters may hold secure values). */
export async function writePrivate(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** Removes what may hold secrets: the parameters file and any az config dir left by a killed call. */
export async function scrubWorkDir(workDir: string): Promise<void> {
  await rm(layout(workDir).parametersFile, { force: true });
  let names: string[] = [];
  try {
    names = await readdir(workDir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.startsWith('.azure-')).map((n) => rm(join(workDir, n), { recursive: true, force: true })));
}

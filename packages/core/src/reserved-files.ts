import { ValidationError } from './errors.js';

/**
 * File names a bundle may not bring because the tools own them: a bundle that ships its own state
 * (`terraform.tfstate`, `errored.tfstate`, `*.tfstate`, a workspace dir) would pose as the stack's state
 * and be recovered as such; `override.tf` / `*_override.tf` can swap the backend the orchestrator sets
 * up; the tools' CLI config files choose providers and credentials helpers; and dot-dirs (`.terraform/`,
 * `.aws/`, `.azure/`...) are where the tools keep providers, caches and credentials. Checked at request
 * time for every format, so such a request is a 400 and nothing of it is stored.
 */
const RESERVED_BASENAMES = new Set(['.terraformrc', 'terraform.rc']);
const RESERVED_TOP_DIRS = new Set(['terraform.tfstate.d']);
const STATE_SUFFIX = /\.tfstate(\.backup)?$/i;
const OVERRIDE = /(^|_)override\.tf(\.json)?$/i;

/** Throws a ValidationError naming the file when `path` is one the tools own. */
export function assertNotReserved(path: string): void {
  const parts = path.split('/');
  const base = parts[parts.length - 1]!;
  const field = `files.${path}`;
  const refuse = (why: string) => {
    throw new ValidationError(`Invalid file name "${path}": ${why}`, field);
  };
  if (STATE_SUFFIX.test(base)) refuse('state files are kept by the orchestrator and cannot be part of the code');
  if (OVERRIDE.test(base)) refuse('override files could replace the backend the orchestrator configures');
  if (RESERVED_BASENAMES.has(base.toLowerCase())) refuse('the tools\' own configuration files cannot be part of the code');
  if (RESERVED_TOP_DIRS.has(parts[0]!)) refuse('state workspaces are kept by the orchestrator');
  if (parts.slice(0, -1).some((dir) => dir.startsWith('.'))) refuse('files under dot-directories (.terraform/, .aws/, .azure/...) belong to the tools');
}

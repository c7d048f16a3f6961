import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Finds an executable on PATH without spawning anything. */
export function findCommand(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/**
 * Whether a test's prerequisite is here. Locally a missing one skips with a printed reason; under
 * `CI=true` it throws, so a CI run without terraform/moto/aws/redis fails instead of passing quietly.
 */
export function prerequisite(name: string, available: boolean, reason: string): boolean {
  if (available) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but prerequisite "${name}" is missing: ${reason}`);
  console.warn(`[skipped] ${name} is not available here: ${reason}`);
  return false;
}

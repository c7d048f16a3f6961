import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/**
 * The directories a Terraform CLI config names (`filesystem_mirror { path = ... }`, `plugin_cache_dir`,
 * `dev_overrides`), which Terraform must be able to read inside the sandbox. Only absolute paths; an
 * unreadable config yields none (Terraform will report it).
 */
export function cliConfigPaths(cliConfigFile: string): string[] {
  let text = '';
  try {
    text = readFileSync(cliConfigFile, 'utf8');
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const m of text.matchAll(/\b(?:path|plugin_cache_dir)\s*=\s*"([^"]+)"/g)) if (isAbsolute(m[1]!)) out.add(m[1]!);
  for (const m of text.matchAll(/dev_overrides\s*\{([^}]*)\}/g)) {
    for (const d of m[1]!.matchAll(/=\s*"([^"]+)"/g)) if (isAbsolute(d[1]!)) out.add(d[1]!);
  }
  return [...out];
}

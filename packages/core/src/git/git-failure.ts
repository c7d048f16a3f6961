import { CodeSourceError } from '../errors.js';
import type { Redactor } from '../redaction.js';
import type { GitFetchContext } from '../types/code-source.js';
import type { GitResult } from './git-process.js';

export const PREFIX = 'Failed to fetch code from Git';

/** git's stderr with every credential masked, then cut (masking first: a token cut in two would escape it). */
export function maskedTail(redactor: Redactor, stderr: string, max = 500): string {
  return redactor.redact(stderr.trim().split('\n').slice(-3).join(' ')).slice(0, max);
}

/** A git process that ran out of its memory or CPU limit (or a child of it did). */
export function hitResourceLimit(r: GitResult): boolean {
  return r.signal === 'SIGXCPU' || (r.signal === 'SIGKILL' && !r.aborted) || /out of memory|malloc failed|cannot allocate memory|mmap failed|died of signal (9|24)\b|index-pack died|unpack-objects died/i.test(r.stderr);
}

/**
 * The caller's error for a failed fetch: one generic sentence (what curl or ssh said — refused, timed out, TLS,
 * a banner — would tell a deployer what listens at an address), with git's own message in the service log.
 */
export function fetchFailed(r: GitResult, what: string, ctx: { redactor: Redactor; log?: GitFetchContext['log'] }): CodeSourceError {
  ctx.log?.('warn', `Git fetch failed: ${what}`, { git: maskedTail(ctx.redactor, r.stderr), exitCode: r.exitCode, signal: r.signal ?? null });
  return new CodeSourceError(`${PREFIX}: ${what} (the repository could not be reached, is not a Git repository, or refused access; the service log has git's message)`, true, { reason: 'upstream' });
}

/** At most 20 notes of one kind, each name cut to 200 characters: a tree of 10,000 symlinks must not fill an audit record. */
export function cappedNotes(paths: readonly string[], line: (p: string) => string, kind: string): string[] {
  const shown = paths.slice(0, 20).map((p) => line(p.length > 200 ? `${p.slice(0, 200)}…` : p));
  return paths.length > 20 ? [...shown, `skipped ${paths.length - 20} more ${kind}`] : shown;
}

import type { CodeSource, GitCodeFetcher, GitFetchContext } from '../types/code-source.js';
import type { DeploymentSource } from '../types/deploy-source.js';
import type { Sandbox } from '../types/sandbox.js';
import { ValidationError } from '../errors.js';
import type { DeployInputSchema } from './inputs.js';
import type { z } from 'zod';

/** A deploy request's code, resolved: the files, where they came from when Git, and notes for its log. */
export interface ResolvedCode {
  files: Record<string, string>;
  source: DeploymentSource | null;
  notes: string[];
}

/**
 * Resolves a validated deploy request to its files at request time: inline `files` as given, a
 * `generationJobId` through the code source, a `source.git` through the Git fetcher (a bounded,
 * asynchronous clone in the sandbox; see {@link GitCodeFetcher}).
 */
export async function resolveCode(
  req: z.output<typeof DeployInputSchema>,
  deps: { codeSource: CodeSource; git: GitCodeFetcher | null; sandbox: () => Promise<Sandbox>; callerId?: string; log?: GitFetchContext['log'] },
): Promise<ResolvedCode> {
  if (req.files) return { files: req.files, source: null, notes: [] };
  if (req.source) {
    if (!deps.git) throw new ValidationError('source.git: this orchestrator has no Git code source configured', 'source.git');
    const g = req.source.git;
    const fetched = await deps.git.fetch(g, { sandbox: await deps.sandbox(), ...(deps.callerId ? { callerId: deps.callerId } : {}), ...(deps.log ? { log: deps.log } : {}) });
    return { files: fetched.files, source: { git: { url: fetched.url ?? g.url, ref: g.ref, path: fetched.path, commit: fetched.commit } }, notes: fetched.notes };
  }
  const files = await deps.codeSource.resolve({ blueprintId: req.blueprintId, generationJobId: req.generationJobId ?? null, format: req.format });
  return { files, source: null, notes: [] };
}

import type { Format } from './domain.js';

/** What a deploy request says about where its code comes from. */
export interface CodeRequest {
  blueprintId: string;
  generationJobId: string | null;
  format: Format;
  /** Inline files, `{path: content}`, instead of a generator job. */
  files?: Record<string, string>;
}

/**
 * Resolves a request to IaC files. Implementations: inline files (built in), a local directory,
 * the IaC generator over HTTP (`@iac-orchestrator/http-adapter`). Throws a `CodeSourceError` (or a
 * `ValidationError`) with a clear message when it cannot.
 */
export interface CodeSource {
  resolve(request: CodeRequest, signal?: AbortSignal): Promise<Record<string, string>>;
}

/** The code of a Git source at the commit its ref resolved to. */
export interface FetchedGitCode {
  /** `{path: content}` relative to the source's `path`. */
  files: Record<string, string>;
  /** The full commit SHA the ref resolved to. */
  commit: string;
  /** The sub-directory deployed, `""` for the root. */
  path: string;
  /** What was left out (symlinks, submodules), for the deployment's log. */
  notes: string[];
  /** The URL as fetched (normalised); the deployment records it. Default: the URL requested. */
  url?: string;
}

/** What the orchestrator tells a {@link GitCodeFetcher} about one fetch. */
export interface GitFetchContext {
  /** The orchestrator's sandbox: git runs in it. */
  sandbox: import('./sandbox.js').Sandbox;
  /** Aborting stops the fetch. */
  signal?: AbortSignal;
  /** Who asked (a token's id): fetches are limited per caller too. */
  callerId?: string;
  /** The orchestrator's logger (masking configured secrets): what git said when a fetch failed goes here,
   * not to the caller. */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Fetches the code of a deploy request's `source.git` (`GitCodeSource` in core runs the real git CLI in
 * the orchestrator's sandbox). Throws a `ValidationError` for a URL, ref or path it refuses (nothing is
 * fetched), a `CodeSourceError` when the repository or ref cannot be had.
 */
export interface GitCodeFetcher {
  fetch(source: import('./deploy-source.js').GitSource, ctx: GitFetchContext): Promise<FetchedGitCode>;
  /** Credential values to mask everywhere (registered with the orchestrator's redactor). */
  secretValues?(): string[];
}

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

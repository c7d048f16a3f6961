import { z } from 'zod';

/**
 * Where a deployment's code comes from, besides a generator job or inline files: a Git repository. The
 * request names a URL, a ref and a sub-directory; the deployment records the commit that ref resolved to.
 * Credentials never travel in the request: they come from the service's configuration.
 */

/** A 40-hex (SHA-1) or 64-hex (SHA-256) commit id. */
export const COMMIT_SHA_PATTERN = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Branch or tag names (optionally `refs/heads/...` / `refs/tags/...`), or a full commit SHA. No refspec
 * syntax (`:`, `+`, `^`, `~`, `*`), no leading `-`, no `..`, no `//`, no trailing `/`, `.` or `.lock`. */
const REF_PATTERN = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!.*[/.]$)[A-Za-z0-9._\-/@]{1,200}$/;

/** A sub-directory of the repository: relative, `/`-separated, no `.`/`..`/empty segments. */
const PATH_PATTERN = /^(?!\/)(?!.*(?:^|\/)\.{1,2}(?:\/|$))(?!.*\/\/)(?!.*\/$)[A-Za-z0-9._\-/]{1,200}$/;

/** The Git part of a deploy request's `source`. */
export const GitSourceSchema = z
  .object({
    /** `https://`, `ssh://` or `file://` (which ones the service accepts is configuration). No user or
     * password in it: credentials come from configuration only. */
    url: z.string().min(1).max(2000).meta({ description: 'Repository URL: https://, ssh:// or file:// (as the service allows); never with credentials in it', examples: ['https://github.com/acme/infra.git'] }),
    /** A branch, a tag or a full commit SHA. */
    ref: z
      .string()
      .regex(REF_PATTERN, 'ref must be a branch, a tag or a full commit SHA (letters, digits, ".", "_", "-", "/", "@"; no "..", no leading "-")')
      .meta({ description: 'A branch, a tag or a full commit SHA', examples: ['main', 'v1.2.0'] }),
    /** The directory holding the IaC code, relative to the repository's root; default the root. */
    path: z
      .string()
      .regex(PATH_PATTERN, 'path must be a relative directory inside the repository (no "..", no leading "/")')
      .optional()
      .meta({ description: 'Directory of the IaC code inside the repository (default: its root)', examples: ['envs/dev'] }),
  })
  .strict();
/** The Git part of a deploy request's `source`. */
export type GitSource = z.infer<typeof GitSourceSchema>;

/** A deploy request's `source`: today, a Git repository. The reusable piece a request schema embeds. */
export const DeploySourceSchema = z.object({ git: GitSourceSchema }).strict().meta({ description: 'Code from a Git repository, instead of generationJobId or files' });
/** A deploy request's `source`. */
export type DeploySource = z.infer<typeof DeploySourceSchema>;

/** The code fields of a deploy request: exactly one of them says where the code comes from. Shared by
 * every request that carries code (a deployment, a deployment group). */
export const CODE_FIELD_NAMES = ['generationJobId', 'files', 'source'] as const;

/** What a deployment records about a Git source: the request's fields and the commit the ref resolved to. */
export const DeploymentSourceSchema = z.object({
  git: z.object({
    /** The repository URL as requested (it never carries credentials: such a URL is refused). */
    url: z.string(),
    /** The ref as requested. */
    ref: z.string(),
    /** The directory deployed, `""` for the root. */
    path: z.string(),
    /** The commit the ref resolved to when the code was fetched: the code of the bundle. */
    commit: z.string(),
  }),
});
/** Where a deployment's code came from, when not a generator job or inline files. */
export type DeploymentSource = z.infer<typeof DeploymentSourceSchema>;

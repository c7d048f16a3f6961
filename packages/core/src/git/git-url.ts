import { ValidationError } from '../errors.js';

/** The transports a Git source may use. `http` (cleartext) and `file` (the service's own disk) are opt-in. */
export type GitProtocol = 'https' | 'ssh' | 'file' | 'http';
export const GIT_PROTOCOLS: readonly GitProtocol[] = ['https', 'ssh', 'file', 'http'];

/** A URL that passed {@link checkGitUrl}. */
export interface CheckedGitUrl {
  /** The URL as parsed and normalised (WHATWG): what git is given and what the deployment stores, so the
   * URL checked, the URL fetched and the URL recorded are one and the same. It holds no credential. */
  url: string;
  /** Host name (http, https, ssh), lower-case; IPv6 literals in brackets. */
  host?: string;
  /** Port (http, https, ssh): the URL's, else the scheme's default. */
  port?: number;
  protocol: GitProtocol;
  /** For `file://`: the repository's directory on this machine (made readable to a sandboxed git). */
  filePath?: string;
}

const FIELD = 'source.git.url';
const DEFAULT_PORTS: Record<GitProtocol, number> = { https: 443, http: 80, ssh: 22, file: 0 };

/**
 * Accepts only `https://`, `ssh://` and `file://` URLs (and `http://` when allowed): never git's other
 * transports (`ext::` runs a command, `fd::` reads a descriptor), never the scp-like `host:path` form or a
 * bare path, never anything starting with `-` (an option to git or ssh), never user credentials in the URL.
 * Throws a {@link ValidationError} (a 400) naming what is wrong, without echoing a password.
 */
export function checkGitUrl(url: string, allowed: readonly GitProtocol[]): CheckedGitUrl {
  const refuse = (why: string): never => {
    throw new ValidationError(`source.git.url: ${why}`, FIELD);
  };
  if (url.startsWith('-')) refuse('must not start with "-"');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const protocol = GIT_PROTOCOLS.find((p) => p === scheme);
  if (!protocol) refuse(`must be an ${allowed.map((p) => `${p}://`).join(', ')} URL (ext::, fd::, scp-like host:path and local paths are not accepted)`);
  if (!allowed.includes(protocol!)) refuse(`${protocol}:// URLs are not allowed by this service (allowed: ${allowed.join(', ')})`);
  // Printable ASCII only: no spaces, newlines or control characters that could end up in a config value.
  if (!/^[\x21-\x7e]+$/.test(url)) refuse('must be printable ASCII without spaces');
  // `\` and `%` in the authority: WHATWG URL and curl disagree about them (`https://a\@b/` is host `a` to
  // the one, `b` to the other), so the host checked would not be the host git connects to.
  if (url.includes('\\')) refuse('must not contain "\\"');
  const authority = url.slice(url.indexOf('://') + 3).split(/[/?#]/)[0]!;
  if (authority.includes('%')) refuse('must not contain "%" in its host part');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('is not a valid URL');
  }
  if (parsed.password || (parsed.username && protocol !== 'ssh')) {
    refuse('must not carry a user name or password; credentials come from the service configuration (ORCHESTRATOR_GIT_CREDENTIALS)');
  }
  if (parsed.hash) refuse('must not carry a #fragment');
  if (parsed.search) refuse('must not carry a ?query');
  if (protocol === 'file') {
    // Checked on the raw text: URL parsing would silently fold `/repo/../other` into `/other`.
    if (/(^|\/)(\.|%2e){2}(\/|$)/i.test(url.slice('file://'.length))) refuse('file:// URLs must name an absolute path without ".."');
    if (parsed.host && parsed.host !== 'localhost') refuse('file:// URLs must name a local path (file:///path/to/repo)');
    const filePath = decodeURIComponent(parsed.pathname);
    if (!filePath.startsWith('/') || filePath.split('/').includes('..')) refuse('file:// URLs must name an absolute path without ".."');
    return { url: parsed.href, protocol: 'file', filePath };
  }
  if (!parsed.hostname || parsed.hostname.startsWith('-')) refuse('must name a host (not starting with "-")');
  if (parsed.username.startsWith('-')) refuse('the ssh user must not start with "-"');
  // An encoded `/`, `\` or `.` in the path: a server may decode `/team/..%2fother` into `/other` after the
  // token for `/team/` was chosen by the path as written.
  if (protocol !== 'ssh' && /%(2f|5c|2e)/i.test(url)) refuse('must not encode "/", "\\" or "." in its path (%2F, %5C, %2E)');
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[protocol!];
  return { url: parsed.href, protocol: protocol!, host: parsed.hostname.toLowerCase(), port };
}

/** The sub-directory of a Git source, normalized: `""` for the root. The schema already refused `..`. */
export function gitSourcePath(path: string | undefined): string {
  const p = (path ?? '').replace(/\/+$/, '');
  if (p.startsWith('/') || p.split('/').some((s) => s === '..' || s === '.')) {
    throw new ValidationError('source.git.path: must be a relative directory inside the repository (no "..", no leading "/")', 'source.git.path');
  }
  return p;
}

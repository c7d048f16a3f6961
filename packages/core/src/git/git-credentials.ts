/**
 * Credentials of Git sources: configuration only, never a request. An https token becomes an
 * `Authorization` header that git sends for matching URLs only (`http.<url>.extraHeader`, through the
 * environment, never argv), and is never written to a URL, a record, a log line or an error.
 */

/** One configured credential. */
export interface GitCredential {
  /** Which repositories it is for: a URL prefix (`https://git.example.com/team/`) or a host name
   * (`git.example.com`, every https repository of that host). The longest match wins. */
  match: string;
  /** The token (a personal access token, a deploy token, an app installation token...). */
  token: string;
  /** User name sent with the token in HTTP Basic auth. Default `x-access-token` (GitHub's; GitLab takes
   * `oauth2`, Bitbucket `x-token-auth`). */
  username?: string;
}

/** A credential chosen for a URL: the `http.<prefix>.extraHeader` to set, and the values to mask. */
export interface ChosenCredential {
  /** The URL prefix git matches the header against. */
  prefix: string;
  /** The header line (a secret). */
  header: string;
  /** Everything of it that must never be shown: the token and the header's encoded form. */
  secrets: string[];
}

/** The `https://host/...` prefix a credential applies to. */
export function credentialPrefix(match: string): string {
  if (/^https?:\/\//i.test(match)) return match;
  return `https://${match.toLowerCase()}/`;
}

/** The credential for `url` (longest prefix first), or null. Only for http(s) URLs. */
export function chooseCredential(url: string, credentials: readonly GitCredential[]): ChosenCredential | null {
  if (!/^https?:\/\//i.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const normalized = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  let best: { c: GitCredential; prefix: string } | null = null;
  for (const c of credentials) {
    const prefix = normalizePrefix(credentialPrefix(c.match));
    if (!prefix || !`${normalized}/`.startsWith(prefix)) continue;
    if (!best || prefix.length > best.prefix.length) best = { c, prefix };
  }
  if (!best) return null;
  const basic = Buffer.from(`${best.c.username ?? 'x-access-token'}:${best.c.token}`).toString('base64');
  return { prefix: best.prefix, header: `Authorization: Basic ${basic}`, secrets: [best.c.token, basic] };
}

/** `https://Host:443/a/` → `https://host/a/`; a prefix must end at a path segment's end. */
function normalizePrefix(prefix: string): string | null {
  try {
    const u = new URL(prefix);
    const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return null;
  }
}

/**
 * ssh credentials of Git sources: configuration only, never a request. Each names a private key file on
 * the service's disk (its content is a secret: never read into a message, a log line or an error) and the
 * host keys to trust. The service user's own `~/.ssh` is never used for a caller's request.
 */

/** One configured ssh credential. */
export interface GitSshCredential {
  /** Which repositories it is for: a host (`git.example.com`, port 22), a host and port
   * (`git.example.com:2222`), or an ssh URL prefix (`ssh://git@git.example.com/team/`). The longest match wins. */
  match: string;
  /** Path of the private key file (OpenSSH format, without a passphrase: ssh runs in batch mode). Read at
   * every fetch and copied, mode 0600, into a directory removed after the fetch. */
  keyFile: string;
  /** The host keys to trust, in `known_hosts` format (`git.example.com ssh-ed25519 AAAA...`; a non-22 port
   * is written `[host]:port`), or the absolute path of such a file. Nothing else is trusted. */
  knownHosts: string;
}

/** The `ssh://…/` prefix a credential applies to (a bare host means port 22, any user, any path). */
export function sshCredentialPrefix(match: string): { host: string; port: string; user?: string; path: string } | null {
  const text = /^ssh:\/\//i.test(match) ? match : `ssh://${match}/`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'ssh:' || !u.hostname) return null;
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return { host: u.hostname.toLowerCase(), port: u.port || '22', ...(u.username ? { user: decodeURIComponent(u.username) } : {}), path };
}

/** The credential for an `ssh://` URL (longest path prefix first; host and port must be equal), or null. */
export function chooseSshCredential(url: string, credentials: readonly GitSshCredential[]): GitSshCredential | null {
  const target = sshCredentialPrefix(url.replace(/\/*$/, '/'));
  if (!target || !/^ssh:\/\//i.test(url)) return null;
  let best: { c: GitSshCredential; score: number } | null = null;
  for (const c of credentials) {
    const p = sshCredentialPrefix(c.match);
    if (!p || p.host !== target.host || p.port !== target.port || !target.path.startsWith(p.path)) continue;
    if (p.user !== undefined && p.user !== target.user) continue;
    const score = p.path.length * 2 + (p.user !== undefined ? 1 : 0);
    if (!best || score > best.score) best = { c, score };
  }
  return best?.c ?? null;
}

import { accessSync, constants } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { GitSshCredential } from '@iac-orchestrator/core';

/**
 * The ssh entries of `ORCHESTRATOR_GIT_CREDENTIALS`: a host (`git.example.com`, port 22), a host and port
 * (`git.example.com:2222`) or an ssh URL prefix (`ssh://git@git.example.com/team/`) mapped to
 * `{sshKeyFile, knownHosts}`. `sshKeyFile` is the path of an unencrypted private key the service can read
 * (its content is never logged); `knownHosts` is the host keys to trust, as `known_hosts` lines or the
 * absolute path of a `known_hosts` file. Both are checked at start-up.
 */
export const SshCredentialValue = z.object({ sshKeyFile: z.string().min(1), knownHosts: z.string().min(1) }).strict();

/** The ssh credentials of the (already JSON-parsed and schema-checked) credential map; throws naming a key, never a value. */
export function sshCredentialsOf(entries: Record<string, unknown>): GitSshCredential[] {
  const out: GitSshCredential[] = [];
  for (const [match, value] of Object.entries(entries)) {
    const ssh = SshCredentialValue.safeParse(value);
    const sshKey = /^ssh:\/\//i.test(match);
    const httpKey = /^https?:\/\//i.test(match);
    const name = JSON.stringify(match.slice(0, 100));
    if (!ssh.success) {
      if (sshKey) throw new Error(`ORCHESTRATOR_GIT_CREDENTIALS: entry ${name} is an ssh:// prefix: its value must be {"sshKeyFile", "knownHosts"}`);
      continue;
    }
    if (httpKey) throw new Error(`ORCHESTRATOR_GIT_CREDENTIALS: entry ${name} is an http(s) prefix: an ssh key needs a host or an ssh:// prefix`);
    const { sshKeyFile, knownHosts } = ssh.data;
    if (!isAbsolute(sshKeyFile) || !readable(sshKeyFile)) throw new Error(`ORCHESTRATOR_GIT_CREDENTIALS: entry ${name}: sshKeyFile ${JSON.stringify(sshKeyFile)} must be an absolute path to a file this service can read`);
    const hosts = knownHosts.trim();
    if (isAbsolute(hosts) ? !readable(hosts) : !hosts.split('\n').some((l) => KNOWN_HOSTS_LINE.test(l.trim()))) {
      throw new Error(`ORCHESTRATOR_GIT_CREDENTIALS: entry ${name}: knownHosts must be known_hosts lines ("host key-type base64-key") or the absolute path of a readable known_hosts file`);
    }
    out.push({ match, keyFile: sshKeyFile, knownHosts });
  }
  return out;
}

/** `[@marker] hosts key-type base64-key [comment]` */
const KNOWN_HOSTS_LINE = /^(@[a-z-]+\s+)?\S+\s+(ssh-|ecdsa-|sk-)\S+\s+[A-Za-z0-9+/]+=*(\s|$)/;

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

import { z } from 'zod';
import { GIT_PROTOCOLS, type GitCodeSourceOptions, type GitCredential, type GitSshCredential } from '@iac-orchestrator/core';
import { SshCredentialValue, sshCredentialsOf } from './git-ssh-config.js';

/**
 * `ORCHESTRATOR_GIT_CREDENTIALS`: a JSON object from a host (`git.example.com`) or an https URL prefix
 * (`https://git.example.com/team/`) to a token, or to `{token, username}` (HTTP Basic user; default
 * `x-access-token`). A host or an ssh URL prefix (`ssh://git@git.example.com/team/`) may instead map to
 * `{sshKeyFile, knownHosts}` (see git-ssh-config.ts). Its values are secrets: a parse error never quotes them.
 */
const CredentialValue = z.union([
  z.string().min(1),
  z.object({ token: z.string().min(1), username: z.string().min(1).regex(/^[^:\s]+$/).optional() }).strict(),
  SshCredentialValue,
]);
const CredentialMap = z.record(z.string().regex(/^(https?:\/\/[^\s@]+|ssh:\/\/[^\s]+|[A-Za-z0-9.-]+(:\d+)?)$/), CredentialValue);

/** Parses `ORCHESTRATOR_GIT_CREDENTIALS` (https tokens and ssh keys); throws an Error naming the variable, never a value. */
export function parseGitCredentials(text: string | undefined): GitCredential[] {
  return parseGitCredentialMap(text).https;
}

/** Both kinds of `ORCHESTRATOR_GIT_CREDENTIALS` entries. */
export function parseGitCredentialMap(text: string | undefined): { https: GitCredential[]; ssh: GitSshCredential[] } {
  if (!text) return { https: [], ssh: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('ORCHESTRATOR_GIT_CREDENTIALS must be a JSON object {"host or https URL prefix": "token" | {"token", "username"}, "host or ssh URL prefix": {"sshKeyFile", "knownHosts"}}');
  }
  const parsed = CredentialMap.safeParse(json);
  if (!parsed.success) {
    const key = parsed.error.issues[0]?.path[0];
    // The key (a host or URL prefix) is not secret; the value is never shown.
    throw new Error(`ORCHESTRATOR_GIT_CREDENTIALS: entry ${typeof key === 'string' ? JSON.stringify(key.slice(0, 100)) : ''} must map a host or an http(s) URL prefix to a token or {"token", "username"}, or a host or an ssh:// prefix to {"sshKeyFile", "knownHosts"}`);
  }
  const ssh = sshCredentialsOf(parsed.data);
  const https = Object.entries(parsed.data).flatMap(([match, v]): GitCredential[] => (typeof v === 'string' ? [{ match, token: v }] : 'token' in v ? [{ match, token: v.token, ...(v.username ? { username: v.username } : {}) }] : []));
  return { https, ssh };
}

/** `ORCHESTRATOR_GIT_PROTOCOLS`: comma-separated transports Git sources may use. */
export const GitProtocolsSchema = z
  .string()
  .default('https')
  .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.enum(GIT_PROTOCOLS as unknown as ['https', 'ssh', 'file', 'http'])).min(1));

/** `ORCHESTRATOR_GIT_ALLOWED_HOSTS`: entries are host names, `host:port`, or http(s)/ssh URL prefixes. */
export const GitAllowedHostSchema = z.string().regex(/^((https?|ssh):\/\/[^\s@\\%]+|[A-Za-z0-9.-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?)$/);

/** The Git code source's part of the service configuration. */
export type GitServiceConfig = Required<Pick<GitCodeSourceOptions, 'binary' | 'protocols' | 'timeoutMs' | 'maxFetchBytes' | 'maxConcurrentFetches' | 'maxConcurrentFetchesPerCaller' | 'allowedHosts' | 'maxMemoryBytes' | 'maxCpuSeconds'>> & { credentials: GitCredential[]; sshCredentials: GitSshCredential[] };

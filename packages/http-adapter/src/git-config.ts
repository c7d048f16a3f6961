import { z } from 'zod';
import { GIT_PROTOCOLS, type GitCodeSourceOptions, type GitCredential } from '@iac-orchestrator/core';

/**
 * `ORCHESTRATOR_GIT_CREDENTIALS`: a JSON object from a host (`git.example.com`) or an https URL prefix
 * (`https://git.example.com/team/`) to a token, or to `{token, username}` (HTTP Basic user; default
 * `x-access-token`). Its values are secrets: a parse error never quotes them.
 */
const CredentialValue = z.union([
  z.string().min(1),
  z.object({ token: z.string().min(1), username: z.string().min(1).regex(/^[^:\s]+$/).optional() }).strict(),
]);
const CredentialMap = z.record(z.string().regex(/^(https?:\/\/[^\s@]+|[A-Za-z0-9.-]+(:\d+)?)$/), CredentialValue);

/** Parses `ORCHESTRATOR_GIT_CREDENTIALS`; throws an Error naming the variable, never a value. */
export function parseGitCredentials(text: string | undefined): GitCredential[] {
  if (!text) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('ORCHESTRATOR_GIT_CREDENTIALS must be a JSON object {"host or https URL prefix": "token" | {"token", "username"}}');
  }
  const parsed = CredentialMap.safeParse(json);
  if (!parsed.success) {
    const key = parsed.error.issues[0]?.path[0];
    // The key (a host or URL prefix) is not secret; the value is never shown.
    throw new Error(`ORCHESTRATOR_GIT_CREDENTIALS: entry ${typeof key === 'string' ? JSON.stringify(key.slice(0, 100)) : ''} must map a host or an http(s) URL prefix to a token or {"token", "username"}`);
  }
  return Object.entries(parsed.data).map(([match, v]) => (typeof v === 'string' ? { match, token: v } : { match, token: v.token, ...(v.username ? { username: v.username } : {}) }));
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
export type GitServiceConfig = Required<Pick<GitCodeSourceOptions, 'binary' | 'protocols' | 'timeoutMs' | 'maxFetchBytes' | 'maxConcurrentFetches' | 'maxConcurrentFetchesPerCaller' | 'allowedHosts' | 'maxMemoryBytes' | 'maxCpuSeconds'>> & { credentials: GitCredential[] };

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Caller } from '@iac-orchestrator/core';

/** Roles, each including the rights of those before it. */
export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** One configured API token. `name` is the principal recorded in audit entries; the token never is. */
export interface ApiToken {
  name: string;
  role: Role;
  /** sha256 of the token: compared in constant time, the plain value is not kept. */
  digest: Buffer;
}

/** Who made a request, as the routes see it. */
export interface Principal {
  name: string;
  role: Role;
}

/** Tokens shorter than this are refused at start: a bearer token is a password. */
export const MIN_TOKEN_LENGTH = 16;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

/** Raised on a malformed ORCHESTRATOR_API_TOKENS; the message never contains a token. */
export class TokenConfigError extends Error {
  override readonly name = 'TokenConfigError';
}

const digestOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Parses `ORCHESTRATOR_API_TOKENS`: comma-separated entries `name:role:token`, e.g.
 * `ci:deployer:7f3c...,alice:approver:91ab...`. The token is everything after the second colon, at least
 * 16 characters, without commas or whitespace. Names must be unique.
 */
export function parseApiTokens(spec: string): ApiToken[] {
  const out: ApiToken[] = [];
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  entries.forEach((entry, i) => {
    const first = entry.indexOf(':');
    const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
    if (second < 0) throw new TokenConfigError(`ORCHESTRATOR_API_TOKENS entry ${i + 1} must be name:role:token`);
    const name = entry.slice(0, first);
    const role = entry.slice(first + 1, second);
    const token = entry.slice(second + 1);
    if (!NAME.test(name)) throw new TokenConfigError(`ORCHESTRATOR_API_TOKENS entry ${i + 1}: invalid name`);
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new TokenConfigError(`ORCHESTRATOR_API_TOKENS entry ${i + 1} (${name}): role must be one of ${ROLES.join(', ')}`);
    }
    if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new TokenConfigError(`ORCHESTRATOR_API_TOKENS entry ${i + 1} (${name}): token must be at least ${MIN_TOKEN_LENGTH} characters without spaces`);
    }
    if (out.some((t) => t.name === name)) throw new TokenConfigError(`ORCHESTRATOR_API_TOKENS: duplicate name "${name}"`);
    out.push({ name, role: role as Role, digest: digestOf(token) });
  });
  return out;
}

/** Whether `role` includes the rights of `needed`. */
export const hasRole = (role: Role, needed: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(needed);

/**
 * Finds the token's owner. Every configured token is compared, each in constant time on fixed-length
 * digests, so neither the match position nor the token's length shows in the timing.
 */
export function authenticate(tokens: readonly ApiToken[], presented: string): Principal | null {
  const d = digestOf(presented);
  let found: ApiToken | null = null;
  for (const t of tokens) if (timingSafeEqual(t.digest, d) && !found) found = t;
  return found ? { name: found.name, role: found.role } : null;
}

/** Extracts the token of an `Authorization: Bearer <token>` header; null when absent or another scheme. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** The principal of an unauthenticated (loopback or explicitly opened) service: trusted as admin. */
export const LOCAL_PRINCIPAL: Principal = { name: 'local', role: 'admin' };

/** The orchestrator's view of a principal: approvers and admins may approve (and so auto-approve production). */
export const callerOf = (p: Principal): Caller => ({ id: p.name, canApprove: hasRole(p.role, 'approver'), admin: hasRole(p.role, 'admin') });

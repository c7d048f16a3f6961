import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '@iac-orchestrator/core';

/**
 * DNS-rebinding guard of a service without tokens (every caller is the `local` admin there). A web page
 * the developer visits can make the browser send requests to 127.0.0.1 under its own name
 * (`Host: attacker.example`, after rebinding the name to 127.0.0.1) or from its own origin; such a
 * request must not act as admin. So without tokens a request is refused (403, before any route runs,
 * nothing stored) when its `Host` is not a loopback name or one of `allowedHosts`, or when it carries an
 * `Origin` that is not on a loopback name or one of `allowedHosts`. Clients that are not browsers (curl,
 * SDKs) send a loopback `Host` and no `Origin`, and pass.
 */
export function assertLocalRequest(req: FastifyRequest, allowedHosts: ReadonlySet<string>): void {
  const host = hostnameOfHostHeader(req.headers.host);
  if (host === null || !(isLoopbackName(host) || allowedHosts.has(host))) {
    throw new ForbiddenError('Host not allowed: without API tokens the service only answers requests addressed to a loopback name (localhost, 127.0.0.1, [::1])');
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const originHost = hostnameOfOrigin(origin);
  if (originHost === null || !(isLoopbackName(originHost) || allowedHosts.has(originHost))) {
    throw new ForbiddenError('Origin not allowed: without API tokens the service refuses requests from web pages of other origins');
  }
}

/** localhost, *.localhost (RFC 6761), 127.0.0.0/8 and ::1. */
export function isLoopbackName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1' || h === '[::1]';
}

/** The host name of a `Host` header (`name`, `name:port`, `[v6]:port`), lower-cased; null when malformed. */
export function hostnameOfHostHeader(header: string | undefined): string | null {
  if (!header || /[@/\\?#\s]/.test(header)) return null;
  try {
    return new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

function hostnameOfOrigin(origin: string): string | null {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname.toLowerCase() : null;
  } catch {
    return null; // "null" (sandboxed frames, file:) and anything else unparsable is foreign
  }
}

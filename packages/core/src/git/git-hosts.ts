import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ValidationError } from '../errors.js';
import type { CheckedGitUrl } from './git-url.js';

/** Resolves a host name to its addresses (default: the system resolver, as curl and ssh would). */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** Where a Git URL may connect: the addresses checked, to pin git's connection to (`http.curloptResolve`). */
export interface GitDestination {
  /** `host:port:addr[,addr]` for curl, or null (an IP literal, a file:// URL, ssh). */
  pin: string | null;
}

const systemResolver: HostResolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Addresses no Git source may reach unless its host is allow-listed: this machine, private networks, link-local
 * (cloud metadata at 169.254.169.254), shared, reserved, multicast and documentation ranges. */
const NON_PUBLIC = (() => {
  const b = new BlockList();
  for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) b.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]] as const) b.addSubnet(net, bits, 'ipv6');
  return b;
})();

/** True when `address` is a public unicast address (an IPv4-mapped IPv6 address is judged by its IPv4 part). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPublicAddress(mapped);
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6 && /^::ffff:/i.test(address)) return false; // mapped, in hex form
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** True when the URL matches an `allowedHosts` entry: `host`, `host:port` or a URL prefix ending at a path segment. */
export function isAllowedHost(checked: CheckedGitUrl, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(e)) {
      const prefix = e.endsWith('/') ? e : `${e}/`;
      return `${checked.url.toLowerCase()}/`.startsWith(prefix) || checked.url.toLowerCase().startsWith(prefix);
    }
    return e === checked.host || e === `${checked.host}:${checked.port}`;
  });
}

/**
 * Decides whether a Git URL may be fetched, before git runs: with `allowedHosts` set, only those hosts; without,
 * any host whose every address is public. A host name is resolved here and git is pinned to exactly those
 * addresses, so a DNS answer that changes between the check and the connection (rebinding) changes nothing.
 * Throws a ValidationError (400) when refused; an unresolvable name is the caller's generic "could not fetch".
 */
export async function checkGitDestination(checked: CheckedGitUrl, opts: { allowedHosts: readonly string[]; resolve?: HostResolver }): Promise<GitDestination | 'unresolvable'> {
  if (checked.protocol === 'file' || !checked.host) return { pin: null };
  const listed = opts.allowedHosts.length > 0;
  if (listed && !isAllowedHost(checked, opts.allowedHosts)) {
    throw new ValidationError(`source.git.url: host ${checked.host} is not one this service fetches from (ORCHESTRATOR_GIT_ALLOWED_HOSTS)`, 'source.git.url');
  }
  const literal = checked.host.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(literal)) addresses = [literal];
  else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(checked.host);
    } catch {
      return 'unresolvable';
    }
    if (addresses.length === 0) return 'unresolvable';
  }
  if (!listed && !addresses.every(isPublicAddress)) {
    throw new ValidationError(`source.git.url: host ${checked.host} is on a loopback, private or link-local network, which this service does not fetch from unless ORCHESTRATOR_GIT_ALLOWED_HOSTS names it`, 'source.git.url');
  }
  if (isIP(literal) || checked.protocol === 'ssh') return { pin: null };
  return { pin: `${checked.host}:${checked.port}:${addresses.map((a) => (isIP(a) === 6 ? `[${a}]` : a)).join(',')}` };
}

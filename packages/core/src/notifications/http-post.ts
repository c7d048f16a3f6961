import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** What one POST of a delivery ended with. */
export type PostOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

/** Bounds of one POST. */
export interface PostLimits {
  /** The whole exchange (connect, send, answer). */
  timeoutMs: number;
  /** The TCP/TLS connection alone: a receiver that does not answer frees its slot soon. */
  connectTimeoutMs: number;
  /** Refuse a host name that resolves to a loopback, private or link-local address (a per-deployment
   * URL: its allow-list entry named the host, not what it resolves to). An IP literal is never looked up:
   * the allow-list named it explicitly. */
  publicAddressesOnly: boolean;
}

// Two lists: a BlockList checks an IPv4 address against IPv6 rules too (as ::ffff:a.b.c.d).
const INTERNAL_V4 = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]] as const) INTERNAL_V4.addSubnet(net, bits, 'ipv4');
const INTERNAL_V6 = new BlockList();
for (const [net, bits] of [['::', 127], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) INTERNAL_V6.addSubnet(net, bits, 'ipv6');

/** Whether an address is loopback, private, link-local, CGNAT, multicast or unspecified (an IPv4-mapped
 * IPv6 address by its IPv4 one). */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return INTERNAL_V4.check(mapped, 'ipv4');
  if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(address)) return true; // mapped, in hex: refused rather than decoded
  return isIP(address) === 6 ? INTERNAL_V6.check(address, 'ipv6') : INTERNAL_V4.check(address, 'ipv4');
}

/** A DNS lookup that fails for a name resolving (even partly) to an internal address. */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal || addresses.length === 0) {
      return callback(Object.assign(new Error(`${hostname} resolves to an internal address; refused`), { code: 'EADDRINTERNAL' }), '', 0);
    }
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/**
 * One POST with node:http(s): no redirect followed (a 3xx is a failure: the URL was checked, its target
 * was not), a connect timeout shorter than the whole one, and for a per-deployment URL a DNS check.
 */
export function postJson(url: string, body: string, headers: Record<string, string>, limits: PostLimits): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (o: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(whole);
      clearTimeout(connect);
      req.destroy();
      resolve(o);
    };
    const req = send(u, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      ...(limits.publicAddressesOnly ? { lookup: publicLookup } : {}),
      agent: false,
    });
    const whole = setTimeout(() => done({ ok: false, statusCode: null, error: `no answer within ${limits.timeoutMs} ms` }), limits.timeoutMs);
    const connect = setTimeout(() => done({ ok: false, statusCode: null, error: `could not connect within ${limits.connectTimeoutMs} ms` }), limits.connectTimeoutMs);
    req.on('socket', (socket) => {
      const connected = () => clearTimeout(connect);
      if (!socket.connecting) connected();
      else socket.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', connected);
    });
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      const status = res.statusCode ?? 0;
      done(status >= 200 && status < 300 ? { ok: true, statusCode: status } : { ok: false, statusCode: status, error: `the receiver answered HTTP ${status}` });
    });
    req.on('error', (e: Error & { code?: string }) => done({ ok: false, statusCode: null, error: e.code ? `${e.message} (${e.code})` : e.message }));
    req.end(body);
  });
}

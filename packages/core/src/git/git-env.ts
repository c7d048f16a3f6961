import type { ChosenCredential } from './git-credentials.js';
import type { GitProtocol } from './git-url.js';

/**
 * The whole environment of a git process: nothing of the service's (its credentials, its HOME, its
 * git config) reaches it. Settings go through `GIT_CONFIG_COUNT/KEY_n/VALUE_n`, which no other local
 * user can read (argv is world-readable in /proc; a process's environment is owner-only).
 */
export function gitEnv(args: { home: string; protocols: readonly GitProtocol[]; credential: ChosenCredential | null; pin?: string | null }): Record<string, string> {
  const config: Array<[string, string]> = [
    // Only the transports allowed, whatever git's defaults or a redirect would try (ext::, fd::...).
    ['protocol.allow', 'never'],
    ...args.protocols.map((p): [string, string] => [`protocol.${p}.allow`, 'always']),
    // Nothing of the repository runs here: no hooks, no fsmonitor, no submodules, no symlinks on disk.
    ['core.hooksPath', '/dev/null'],
    ['core.fsmonitor', 'false'],
    ['core.symlinks', 'false'],
    ['submodule.recurse', 'false'],
    ['fetch.recurseSubmodules', 'false'],
    // No credential helper or prompt: a missing credential fails at once.
    ['credential.helper', ''],
    ['core.askPass', ''],
    // A redirect must not carry the Authorization header to another host.
    ['http.followRedirects', 'false'],
    ['transfer.fsckObjects', 'true'],
    // Memory: one thread, a small delta cache, packs kept as received (index-pack, never unpack-objects writing
    // every object inflated), big blobs streamed, small mmap windows (they count against the address-space limit).
    ['pack.threads', '1'],
    ['core.deltaBaseCacheLimit', '8m'],
    ['fetch.unpackLimit', '1'],
    ['transfer.unpackLimit', '1'],
    ['core.bigFileThreshold', '8m'],
    ['core.packedGitWindowSize', '8m'],
    ['core.packedGitLimit', '64m'],
    // A server trickling bytes is dropped after 20 s under 1 KiB/s instead of holding a fetch slot.
    ['http.lowSpeedLimit', '1024'],
    ['http.lowSpeedTime', '20'],
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
    ['init.defaultBranch', 'main'],
    ['advice.detachedHead', 'false'],
  ];
  // curl connects to exactly the addresses that were checked (no second DNS answer: rebinding).
  if (args.pin) config.push(['http.curloptResolve', args.pin]);
  if (args.credential) config.push([`http.${args.credential.prefix}.extraHeader`, args.credential.header]);
  const env: Record<string, string> = {
    HOME: args.home,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: args.protocols.join(':'),
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const HOSTS = '[git.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const TOKEN = 'ghp_ConfigSecretNeverEchoed_987654321';

describe('ORCHESTRATOR_GIT_CREDENTIALS ssh entries', () => {
  let dir: string;
  let keyFile: string;
  let hostsFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'git-ssh-config-'));
    keyFile = join(dir, 'id_ed25519');
    hostsFile = join(dir, 'known_hosts');
    await writeFile(keyFile, '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
    await writeFile(hostsFile, `${HOSTS}\n`);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const load = (map: Record<string, unknown>) => loadConfig({ ORCHESTRATOR_GIT_CREDENTIALS: JSON.stringify(map) }).git;
  const refusal = (map: Record<string, unknown>): Error => {
    try {
      load(map);
    } catch (e) {
      return e as Error;
    }
    throw new Error('accepted');
  };

  it('reads {sshKeyFile, knownHosts} by host, host:port or ssh:// prefix, beside https tokens', () => {
    const git = load({ 'git.example.com:2222': { sshKeyFile: keyFile, knownHosts: HOSTS }, 'ssh://git@git.example.com/team/': { sshKeyFile: keyFile, knownHosts: hostsFile }, 'git.example.com': TOKEN });
    expect(git.sshCredentials).toEqual([
      { match: 'git.example.com:2222', keyFile, knownHosts: HOSTS },
      { match: 'ssh://git@git.example.com/team/', keyFile, knownHosts: hostsFile },
    ]);
    expect(git.credentials).toEqual([{ match: 'git.example.com', token: TOKEN }]);
  });

  it('refuses a missing key file, bad known_hosts, mixed kinds, naming the entry and never a token', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ 'git.example.com': { sshKeyFile: join(dir, 'missing'), knownHosts: HOSTS } }, /sshKeyFile .* must be an absolute path to a file this service can read/],
      [{ 'git.example.com': { sshKeyFile: 'relative/key', knownHosts: HOSTS } }, /sshKeyFile/],
      [{ 'git.example.com': { sshKeyFile: keyFile, knownHosts: 'not a known_hosts' } }, /knownHosts must be known_hosts lines/],
      [{ 'git.example.com': { sshKeyFile: keyFile, knownHosts: join(dir, 'none') } }, /knownHosts/],
      [{ 'ssh://git.example.com/': TOKEN }, /ssh:\/\/ prefix: its value must be/],
      [{ 'https://git.example.com/': { sshKeyFile: keyFile, knownHosts: HOSTS } }, /an ssh key needs a host or an ssh:\/\/ prefix/],
      [{ 'git.example.com': { sshKeyFile: keyFile, knownHosts: HOSTS, token: TOKEN } }, /ORCHESTRATOR_GIT_CREDENTIALS/],
    ];
    for (const [map, message] of bad) {
      const err = refusal(map);
      expect(err, JSON.stringify(map)).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain(TOKEN);
      expect(err.message).not.toContain('not-a-real-key');
    }
  });
});

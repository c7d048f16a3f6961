import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const SECRET = 'ghp_ConfigSecretNeverEchoed_987654321';

describe('ORCHESTRATOR_GIT_* configuration', () => {
  it('defaults to https only, any public host, no credentials, a 60 s bound, 256 MiB and 30 CPU s per git process', () => {
    expect(loadConfig({}).git).toEqual({ binary: 'git', protocols: ['https'], timeoutMs: 60_000, maxFetchBytes: 64 * 1024 * 1024, maxConcurrentFetches: 4, maxConcurrentFetchesPerCaller: 2, allowedHosts: [], maxMemoryBytes: 256 * 1024 * 1024, maxCpuSeconds: 30, credentials: [], sshCredentials: [] });
  });

  it('reads allowed hosts and resource limits, refusing malformed ones', () => {
    const git = loadConfig({ ORCHESTRATOR_GIT_ALLOWED_HOSTS: 'git.example.com, gitlab.internal:8443,https://git.example.org/team/,[fd00::1]', ORCHESTRATOR_GIT_MAX_MEMORY_BYTES: '0', ORCHESTRATOR_GIT_MAX_CPU_SECONDS: '5', ORCHESTRATOR_GIT_MAX_CONCURRENT_PER_CALLER: '1' }).git;
    expect(git).toMatchObject({ allowedHosts: ['git.example.com', 'gitlab.internal:8443', 'https://git.example.org/team/', '[fd00::1]'], maxMemoryBytes: 0, maxCpuSeconds: 5, maxConcurrentFetchesPerCaller: 1 });
    for (const bad of ['https://a\\@b/', 'http://a%2f@b/', 'ext::sh', 'a b']) expect(() => loadConfig({ ORCHESTRATOR_GIT_ALLOWED_HOSTS: bad }), bad).toThrow(/ORCHESTRATOR_GIT_ALLOWED_HOSTS/);
    expect(() => loadConfig({ ORCHESTRATOR_GIT_MAX_MEMORY_BYTES: '-1' })).toThrow(/ORCHESTRATOR_GIT_MAX_MEMORY_BYTES/);
  });

  it('reads protocols and credentials by host or URL prefix', () => {
    const git = loadConfig({
      ORCHESTRATOR_GIT_PROTOCOLS: 'https,file',
      ORCHESTRATOR_GIT_CREDENTIALS: JSON.stringify({ 'git.example.com': SECRET, 'https://gitlab.example.com/team/': { token: SECRET, username: 'oauth2' } }),
    }).git;
    expect(git.protocols).toEqual(['https', 'file']);
    expect(git.credentials).toEqual([
      { match: 'git.example.com', token: SECRET },
      { match: 'https://gitlab.example.com/team/', token: SECRET, username: 'oauth2' },
    ]);
  });

  it('refuses a bad value naming the variable, never quoting a token', () => {
    for (const bad of [`{"git.example.com": ${JSON.stringify(SECRET)}`, JSON.stringify({ 'git.example.com': { token: SECRET, extra: 1 } }), JSON.stringify({ 'ext::sh': SECRET })]) {
      let err: unknown;
      try {
        loadConfig({ ORCHESTRATOR_GIT_CREDENTIALS: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/ORCHESTRATOR_GIT_CREDENTIALS/);
      expect((err as Error).message).not.toContain(SECRET);
    }
    expect(() => loadConfig({ ORCHESTRATOR_GIT_PROTOCOLS: 'https,ext' })).toThrow(/ORCHESTRATOR_GIT_PROTOCOLS/);
  });
});

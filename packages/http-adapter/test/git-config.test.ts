import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const SECRET = 'ghp_ConfigSecretNeverEchoed_987654321';

describe('ORCHESTRATOR_GIT_* configuration', () => {
  it('defaults to https and ssh, no credentials, a 60 s bound', () => {
    expect(loadConfig({}).git).toEqual({ binary: 'git', protocols: ['https', 'ssh'], timeoutMs: 60_000, maxFetchBytes: 64 * 1024 * 1024, maxConcurrentFetches: 4, credentials: [], sshCredentials: [] });
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

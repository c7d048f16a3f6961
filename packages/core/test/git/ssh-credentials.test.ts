import { describe, expect, it } from 'vitest';
import { NoSandbox } from '../../src/index.js';
import { chooseSshCredential, type GitSshCredential } from '../../src/git/ssh-credentials.js';

const c = (match: string): GitSshCredential => ({ match, keyFile: `/keys/${match.replace(/\W+/g, '_')}`, knownHosts: 'h ssh-ed25519 AAAA' });

describe('chooseSshCredential', () => {
  const all = [c('git.example.com'), c('git.example.com:2222'), c('ssh://git.example.com/team/'), c('ssh://deploy@git.example.com/team/infra/'), c('ssh://other.example.com:2200/')];

  it('matches host and port exactly, then the longest path prefix, a user only when named', () => {
    const pick = (url: string) => chooseSshCredential(url, all)?.match ?? null;
    expect(pick('ssh://git@git.example.com/solo/r.git')).toBe('git.example.com');
    expect(pick('ssh://git@Git.Example.com:22/solo/r.git')).toBe('git.example.com');
    expect(pick('ssh://git@git.example.com:2222/solo/r.git')).toBe('git.example.com:2222');
    expect(pick('ssh://git@git.example.com/team/r.git')).toBe('ssh://git.example.com/team/');
    expect(pick('ssh://deploy@git.example.com/team/infra/r.git')).toBe('ssh://deploy@git.example.com/team/infra/');
    expect(pick('ssh://git@git.example.com/team/infra/r.git')).toBe('ssh://git.example.com/team/');
    expect(pick('ssh://git@git.example.com/teamwork/r.git')).toBe('git.example.com');
    expect(pick('ssh://git@other.example.com/r.git')).toBeNull();
    expect(pick('ssh://git@other.example.com:2200/r.git')).toBe('ssh://other.example.com:2200/');
    expect(pick('https://git.example.com/team/r.git')).toBeNull();
    expect(pick('ssh://git@evil.example.com/git.example.com/r.git')).toBeNull();
  });

  it('NoSandbox refuses a bind rather than ignore it', () => {
    expect(() => new NoSandbox().wrap({ command: 'ssh', args: [], cwd: '/tmp', env: {}, writablePaths: [], readablePaths: [], binds: [{ source: '/tmp', target: '/root/.ssh' }] })).toThrow(/no sandbox/);
  });
});

import { describe, expect, it } from 'vitest';
import { GitSourceSchema, ValidationError } from '../../src/index.js';
import { checkGitUrl, gitSourcePath } from '../../src/git/git-url.js';
import { chooseCredential } from '../../src/git/git-credentials.js';
import { gitEnv } from '../../src/git/git-env.js';

const ALL = ['https', 'ssh', 'file', 'http'] as const;

describe('Git source checks (pure, no git needed)', () => {
  it('accepts https, ssh (with a plain user) and file URLs', () => {
    expect(checkGitUrl('https://github.com/acme/infra.git', ALL)).toEqual({ url: 'https://github.com/acme/infra.git', protocol: 'https', host: 'github.com', port: 443 });
    expect(checkGitUrl('ssh://git@github.com:22/acme/infra.git', ALL)).toMatchObject({ protocol: 'ssh' });
    expect(checkGitUrl('file:///srv/git/infra.git', ALL)).toEqual({ url: 'file:///srv/git/infra.git', protocol: 'file', filePath: '/srv/git/infra.git' });
  });

  it('refuses every other form with a 400 naming the field', () => {
    const bad = [
      'ext::sh -c id', 'fd::7', 'git.example.com:acme/infra.git', 'git@github.com:acme/infra.git', '/srv/git/infra.git', '-uupload-pack=id',
      'https://user:secret@github.com/a.git', 'https://token@github.com/a.git', 'ssh://git:secret@github.com/a.git', 'ssh://-oProxyCommand=id/a.git',
      'file:///srv/../etc', 'file:///srv/%2e%2e/etc', 'https://trusted\\@evil.example/r.git', 'https://git.example.com%2f@evil/r.git', 'https://git%2eexample.com/r.git',
      'https://git.example.com/team/..%2fother/r.git', 'https://git.example.com/team/..%2Fother/r.git', 'https://git.example.com/team/%2e%2e/other/r.git', 'https://git.example.com/team/.%2E/x.git',
      'https://git.example.com/team%5c..%5cother/r.git', 'https://git.example.com/r.git?x=1', 'file://otherhost/srv/a.git', 'git://github.com/a.git', 'https://github.com/a b.git', 'https://github.com/a.git#frag',
    ];
    for (const url of bad) {
      let err: unknown;
      try {
        checkGitUrl(url, ALL);
      } catch (e) {
        err = e;
      }
      expect(err, url).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('source.git.url');
      expect((err as Error).message).not.toContain('secret');
    }
    // What git is given and what is stored is the parsed, normalised URL: the host checked is the host fetched.
    expect(checkGitUrl('HTTPS://Git.Example.COM:443/a/./b.git', ALL)).toMatchObject({ url: 'https://git.example.com/a/b.git', host: 'git.example.com', port: 443 });
    expect(checkGitUrl('http://0x7f.1/r.git', ALL)).toMatchObject({ url: 'http://127.0.0.1/r.git', host: '127.0.0.1', port: 80 });
    expect(() => checkGitUrl('http://example.com/a.git', ['https', 'ssh'])).toThrow('source.git.url: http:// URLs are not allowed by this service (allowed: https, ssh)');
  });

  it('takes branches, tags and SHAs as refs, relative directories as paths', () => {
    for (const ref of ['main', 'release/1.x', 'v1.2.0', 'refs/tags/v2', '0123456789abcdef0123456789abcdef01234567']) expect(GitSourceSchema.safeParse({ url: 'https://h/r', ref }).success, ref).toBe(true);
    for (const ref of ['-x', '--upload-pack=id', 'a..b', 'main:refs/heads/x', '+main', 'HEAD~1', 'a^', 'x*', 'a//b', 'x.lock', 'a/', 'a b', 'ma@{1}']) expect(GitSourceSchema.safeParse({ url: 'https://h/r', ref }).success, ref).toBe(false);
    for (const path of ['infra', 'envs/dev', 'a.b/c_d-e']) expect(GitSourceSchema.safeParse({ url: 'https://h/r', ref: 'main', path }).success, path).toBe(true);
    for (const path of ['..', '../x', 'a/../b', '/etc', 'a//b', 'a/', './a', 'a/.']) expect(GitSourceSchema.safeParse({ url: 'https://h/r', ref: 'main', path }).success, path).toBe(false);
    expect(gitSourcePath(undefined)).toBe('');
  });

  it('pins transports and neutralises the repository in git\'s own config, through the environment only', () => {
    const credential = chooseCredential('https://git.example.com/team/infra.git', [{ match: 'git.example.com', token: 't0ken-value' }, { match: 'https://git.example.com/team/', token: 'team-token', username: 'oauth2' }]);
    expect(credential).toEqual({ prefix: 'https://git.example.com/team/', header: `Authorization: Basic ${Buffer.from('oauth2:team-token').toString('base64')}`, secrets: ['team-token', Buffer.from('oauth2:team-token').toString('base64')] });
    expect(chooseCredential('https://git.example.com.evil.io/x.git', [{ match: 'git.example.com', token: 't0ken-value' }])).toBeNull();
    expect(chooseCredential('ssh://git.example.com/x.git', [{ match: 'git.example.com', token: 't0ken-value' }])).toBeNull();
    const env = gitEnv({ home: '/tmp/h', protocols: ['https'], credential });
    const config = Object.fromEntries(Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [env[`GIT_CONFIG_KEY_${i}`], env[`GIT_CONFIG_VALUE_${i}`]]));
    expect(config).toMatchObject({ 'protocol.allow': 'never', 'protocol.https.allow': 'always', 'core.hooksPath': '/dev/null', 'core.symlinks': 'false', 'http.followRedirects': 'false', 'http.https://git.example.com/team/.extraHeader': credential!.header });
    expect(config['protocol.file.allow']).toBeUndefined();
    expect(env).toMatchObject({ HOME: '/tmp/h', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_ALLOW_PROTOCOL: 'https' });
  });
});
